"""Lifecycle transitions: the one next stage a contact should move to, with its reasons.

Stages only move forward; the only ways back are the explicit recycle and disqualify rules.
The checks run from the strongest evidence to the weakest (a deal, then the fit, then sales'
verdict, then going cold, then the score), and the first that applies wins, so a run never
produces two transitions for one contact.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from typing import cast

from connector.domain import Value
from connector.domain.contact import Contact, DealStatus
from connector.domain.engagement import Engagement
from connector.domain.history import EngagementHistory
from connector.domain.outcomes import FitCard, Transition, TransitionKind
from connector.domain.policy import LifecycleRules, RulesPolicy, ScoringRules
from connector.domain.stages import LifecycleStage


class StageDecision(Value):
    """The transition (if any) and, when there is none, why the contact stays where it is."""

    transition: Transition | None
    notes: tuple[str, ...] = ()


def _moves_forward(current: LifecycleStage | None, target: LifecycleStage) -> bool:
    """Whether `target` is strictly further down the funnel; anything beats no stage, and a
    contact parked in `other` only leaves it for a deal."""
    if current is None:
        return True
    return current.is_before(target)


def _deal_transition(contact: Contact) -> tuple[LifecycleStage, str] | None:
    if any(deal.status == DealStatus.WON for deal in contact.deals):
        return LifecycleStage.CUSTOMER, "a deal is closed-won"
    if any(deal.status == DealStatus.OPEN for deal in contact.deals):
        return LifecycleStage.OPPORTUNITY, "an open deal exists"
    return None


def _rejected_by_sales(contact: Contact, rules: LifecycleRules) -> bool:
    """Sales' status rejects the lead, and an SQL with it would be recycled straight away."""
    recycle = rules.recycle
    return (
        contact.sales_status in recycle.sales_statuses
        and contact.sales_status not in rules.sql.sales_statuses
        and LifecycleStage.SQL in recycle.from_stages
    )


def _overruled(contact: Contact, rules: LifecycleRules, reasons: list[str]) -> "Move":
    """A move up to MQL or SQL that sales' status already rejects. As such it would be recycled
    on the very next run (an SQL leaving its follow-up task behind), so sales' verdict stands:
    recycled now, one run, one write, a fixed point; it waits for new engagement like any
    recycled lead, and sales' status is then the recycle's own."""
    but = f"but sales set the lead status to {contact.sales_status}"
    return rules.recycle.to, TransitionKind.RECYCLE, [*reasons, but]


def _idle_reasons(
    contact: Contact,
    rules: LifecycleRules,
    total: int,
    last_engaged: datetime | None,
    now: datetime,
) -> list[str]:
    recycle = rules.recycle
    if (
        contact.lifecycle_stage in recycle.from_stages
        and contact.lifecycle_stage in recycle.idle_from_stages
        and recycle.idle_days is not None
        and recycle.below_score is not None
        and total < recycle.below_score
        and (last_engaged is None or now - last_engaged > timedelta(days=recycle.idle_days))
    ):
        since = f"since {last_engaged.date().isoformat()}" if last_engaged else "ever"
        return [
            f"no engagement for more than {recycle.idle_days} days ({since})",
            f"score {total} fell below the recycle threshold {recycle.below_score:g}",
        ]
    return []


def _sql_reasons(
    contact: Contact,
    rules: LifecycleRules,
    history: EngagementHistory,
    fresh: bool,
    now: datetime,
) -> list[str]:
    sql = rules.sql
    if contact.sales_status in sql.sales_statuses:
        return [f"sales set the lead status to {contact.sales_status.value}"]
    if not fresh:
        return []
    if sql.bant_complete and contact.bant.complete:
        return ["BANT complete: budget, authority, need and timeline confirmed by sales"]
    since = now - timedelta(days=sql.trigger_within_days)
    if contact.recycled_at is not None:
        since = max(since, contact.recycled_at)
    triggers = [e for e in history.of_kinds(sql.trigger_kinds) if e.occurred_at >= since]
    if triggers:
        # of simultaneous triggers the first given (max keeps the first of equal keys)
        latest = max(triggers, key=attrgetter("occurred_at"))
        return [f"{latest.kind.value} on {latest.occurred_at.date().isoformat()}"]
    return []


def _last_engaged(
    contact: Contact, history: EngagementHistory, scoring: ScoringRules
) -> tuple[datetime | None, bool]:
    """When the contact last did something worth positive points, and whether that was after
    the connector last recycled it (`fresh`: no recycle, or engaged since). In the history's
    memo per `recycled_at`: the due search asks at every moment it decides."""
    positive = scoring.positive_kinds
    recycled_at = contact.recycled_at
    key = ("last_engaged", id(positive))
    held = cast(tuple[object, datetime | None, datetime | None, bool] | None, history.memo.get(key))
    if held is not None and held[0] is positive and held[1] == recycled_at:
        return held[2], held[3]
    positive_events = history.of_kinds(positive)
    last_engaged = max((e.occurred_at for e in positive_events), default=None)
    fresh = recycled_at is None or any(e.occurred_at > recycled_at for e in positive_events)
    history.memo[key] = (positive, recycled_at, last_engaged, fresh)
    return last_engaged, fresh


Move = tuple[LifecycleStage, TransitionKind, list[str]]  # the target, the kind, the reasons


def decide_stage(
    contact: Contact,
    engagements: Sequence[Engagement] | EngagementHistory,
    total: int,
    fit: FitCard,
    policy: RulesPolicy,
    now: datetime,
) -> StageDecision:
    """The next lifecycle stage for a contact whose score is `total` at `now`, or why it stays.
    `engagements` may be an `EngagementHistory` already built for this contact and `now`."""
    history = EngagementHistory.of(contact.id, engagements, now)
    found = decide_move(contact, history, total, fit, policy, now)
    if isinstance(found, list):
        return StageDecision(transition=None, notes=tuple(found))
    to_stage, kind, reasons = found
    return StageDecision(
        transition=Transition(
            contact_id=contact.id,
            from_stage=contact.lifecycle_stage,
            to_stage=to_stage,
            kind=kind,
            at=now,
            reasons=tuple(reasons),
        )
    )


def decide_move(
    contact: Contact,
    history: EngagementHistory,
    total: int,
    fit: FitCard,
    policy: RulesPolicy,
    now: datetime,
) -> Move | list[str]:
    """The rules themselves: the move, or the notes on why the contact stays. The due search
    decides with this at every moment it probes: no models, and of the score the total alone."""
    rules = policy.lifecycle
    current = contact.lifecycle_stage
    last_engaged, fresh = _last_engaged(contact, history, policy.scoring)

    deal = _deal_transition(contact)
    manual_hold = contact.stage_set_manually and rules.respect_manual_stage
    deal_moves = deal is not None and (
        current == LifecycleStage.OTHER or _moves_forward(current, deal[0])
    )
    if deal and deal_moves and (not manual_hold or rules.deals_override_manual_stage):
        return deal[0], TransitionKind.ADVANCE, [deal[1]]
    if manual_hold:
        return [f"stage {current} was set by a person in the CRM"]
    if current in (LifecycleStage.OTHER, LifecycleStage.CUSTOMER, LifecycleStage.EVANGELIST):
        return [f"no automatic move out of {current}"]

    if fit.disqualified and (current is None or current in rules.disqualify.from_stages):
        return (
            rules.disqualify.to,
            TransitionKind.DISQUALIFY,
            ["outside the ideal customer profile", *fit.disqualified_reasons],
        )

    recycle = rules.recycle
    if current in recycle.from_stages and contact.sales_status in recycle.sales_statuses:
        rejected = f"sales set the lead status to {contact.sales_status.value}"
        return recycle.to, TransitionKind.RECYCLE, [rejected]

    # Sales' own verification outranks the idle rule: a verified buyer is not "cold".
    if _moves_forward(current, LifecycleStage.SQL):
        sql = _sql_reasons(contact, rules, history, fresh, now)
        if sql and _rejected_by_sales(contact, rules):
            return _overruled(contact, rules, sql)
        if sql:
            return LifecycleStage.SQL, TransitionKind.ADVANCE, sql

    idle = _idle_reasons(contact, rules, total, last_engaged, now)
    if idle:
        return rules.recycle.to, TransitionKind.RECYCLE, idle

    notes: list[str] = []
    if _moves_forward(current, LifecycleStage.MQL):
        mql = rules.mql
        fit_ok = not fit.disqualified and policy.fit.at_least(fit.grade, mql.min_grade)
        if total >= mql.min_score and fit_ok and fresh:
            qualified = [
                f"score {total} >= MQL threshold {mql.min_score:g}",
                f"fit grade {fit.grade} is {mql.min_grade} or better",
            ]
            if contact.sales_status in rules.recycle.sales_statuses:
                return _overruled(contact, rules, qualified)
            return LifecycleStage.MQL, TransitionKind.ADVANCE, qualified
        if total >= mql.min_score and not fit_ok:
            notes.append(f"score reaches MQL but fit grade {fit.grade} is below {mql.min_grade}")
        elif total >= mql.min_score and not fresh:
            notes.append("recycled earlier: waiting for new engagement before MQL again")
        else:
            notes.append(f"score {total} is below the MQL threshold {mql.min_score:g}")

    if current in (None, LifecycleStage.SUBSCRIBER):
        lead = rules.lead
        hits = history.of_kinds(lead.kinds)
        hit = hits[-1].kind if hits else None  # the last given, as the CRM listed them
        if hit is not None:
            return LifecycleStage.LEAD, TransitionKind.ADVANCE, [f"{hit.value}"]
        if lead.min_score is not None and total >= lead.min_score:
            return (
                LifecycleStage.LEAD,
                TransitionKind.ADVANCE,
                [f"score {total} >= lead threshold {lead.min_score:g}"],
            )
        if current is None:
            return LifecycleStage.SUBSCRIBER, TransitionKind.ADVANCE, ["new contact"]
    return notes
