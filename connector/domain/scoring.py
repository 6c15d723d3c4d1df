"""Behaviour score: points per engagement with per-day caps, time decay and total caps, plus
e-mail-domain penalties, source weighting and intent — every step visible in the ScoreCard.

Order of operations, chosen so that "decay never raises a score" holds: per-day caps apply to
raw points (a burst of page views on one day cannot dominate), then each event decays by its own
age, then the per-kind total cap applies to what is left. Negative points never decay.

Speed: this is the rules engine's inner loop (once per engagement of every contact, and again
at every moment the due search probes), so the per-day caps, which do not depend on `now`, are
computed once per history (`_capped_kinds`) and only the decay per probe; the
end-to-end runs (a what-if or a calibration over a snapshot) spend more time turning stored rows
into engagements than here.
"""

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, cast

from connector.domain.conditions import (
    condition_holds,
    condition_value,
    describe,
    describe_per_unit,
    per_unit_points,
)
from connector.domain.contact import Contact, IntentLevel
from connector.domain.engagement import Engagement
from connector.domain.history import EngagementHistory
from connector.domain.outcomes import ScoreCard, ScoreLine
from connector.domain.policy import EngagementRule, PropertyRule, ScoringRules
from connector.domain.properties import PropertyValue

SECONDS_PER_DAY = 86_400.0
_INTENT_LEVELS = tuple(IntentLevel)  # iterating the enum itself runs Python code each time


def _round(value: float) -> int:
    """Half away from zero, so +2.5 and -2.5 round symmetrically (Python's round is bankers')."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def decay_factor(occurred_at: datetime, now: datetime, half_life_days: float) -> float:
    """How much of an engagement's value is left after its age: 1 now, 0.5 after one half-life."""
    age_days = max((now - occurred_at).total_seconds(), 0.0) / SECONDS_PER_DAY
    return 0.5 ** (age_days / half_life_days)


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _clamp(value: float, cap: float | None) -> float:
    if cap is None:
        return value
    return max(-cap, min(cap, value))


def _line(
    rule: EngagementRule,
    count: int,
    raw: float,
    capped: float,
    decayed: float,
    half_life: float,
) -> ScoreLine:
    final = _clamp(decayed, rule.cap_total)
    notes = []
    if capped != raw:
        notes.append(f"daily cap {rule.cap_per_day:g}")
    if rule.applies_decay:
        notes.append(f"half-life {half_life:g} d")
    if final != decayed:
        notes.append(f"total cap {rule.cap_total:g}")
    return ScoreLine(
        rule=f"engagement: {rule.kind.value}",
        events=count,
        raw_points=round(raw, 4),
        capped_points=round(capped, 4),
        decayed_points=round(decayed, 4),
        points=_round(final),
        note=", ".join(notes),
    )


Sums = tuple[int, float, float, float]  # events, raw, capped and decayed points of one kind


class _Capped(NamedTuple):
    """One kind's engagements after the per-day caps, which do not depend on `now`: the events,
    raw and capped points, and each event's time with what its day's cap allowed of it."""

    events: int
    raw: float
    capped: float
    allowed: tuple[tuple[datetime, float], ...]


def _capped(rule: EngagementRule, events: Sequence[Engagement]) -> _Capped:
    """Events must be sorted oldest first so daily caps are spent in the order things happened
    (`EngagementHistory.by_kind` holds them so).

    Per event: its points, at most what is left of its UTC day's cap (in absolute value, so a
    capped penalty stays a penalty).
    """
    points = rule.points
    cap_per_day = rule.cap_per_day
    spent_per_day: dict[date, float] = {}
    raw = capped = 0.0
    count = 0
    allowed_by_event: list[tuple[datetime, float]] = []
    for event in events:
        value = points * event.quantity
        count += event.quantity
        raw += value
        allowed = value
        if cap_per_day is not None:
            day = _utc_day(event.occurred_at)
            spent = spent_per_day.get(day, 0.0)
            room = cap_per_day - spent
            if not room >= 0.0:  # max(room, 0.0), and 0.0 for a NaN
                room = 0.0
            allowed = math.copysign(min(abs(value), room), value)
            spent_per_day[day] = spent + abs(allowed)
        capped += allowed
        allowed_by_event.append((event.occurred_at, allowed))
    return _Capped(count, raw, capped, tuple(allowed_by_event))


def _engagement_sums(
    rule: EngagementRule, events: Sequence[Engagement], now: datetime, half_life: float
) -> Sums:
    """One kind's contribution at `now`: its capped points (`_capped`, so `events` must be
    sorted oldest first), each decayed by its age unless the rule does not decay."""
    return _decayed(rule, _capped(rule, events), now, half_life)


def _capped_kinds(
    rules: ScoringRules, history: EngagementHistory
) -> tuple[tuple[EngagementRule, _Capped], ...]:
    """Each engagement rule whose kind occurred in `history`, in the rules' order, with its
    `_capped` points.

    Kept in the history's memo (per rule set, since `connector whatif` scores one history
    under two): the due search scores one history at many moments, and only the decay moves
    between them.
    """
    key = ("capped", id(rules))
    memo = cast(
        tuple[ScoringRules, tuple[tuple[EngagementRule, _Capped], ...]] | None,
        history.memo.get(key),
    )
    if memo is not None and memo[0] is rules:
        return memo[1]
    by_kind = history.by_kind
    kinds = tuple(
        (rule, _capped(rule, events))
        for rule in rules.engagement
        if (events := by_kind.get(rule.kind))
    )
    history.memo[key] = (rules, kinds)
    return kinds


def _decayed(rule: EngagementRule, capped: _Capped, now: datetime, half_life: float) -> Sums:
    """The capped points, each decayed by its age at `now` unless the rule does not decay:
    the same terms added in the same order as one pass over the events would, so the same
    float whether or not the capped points came from the memo."""
    if not rule.applies_decay:
        return capped.events, capped.raw, capped.capped, capped.capped
    decayed = 0.0
    for occurred_at, allowed in capped.allowed:
        decayed += allowed * decay_factor(occurred_at, now, half_life)
    return capped.events, capped.raw, capped.capped, decayed


def _constant_line(rule: str, points: float, note: str = "") -> ScoreLine:
    return ScoreLine(
        rule=rule,
        raw_points=points,
        capped_points=points,
        decayed_points=points,
        points=_round(points),
        note=note,
    )


class _PropertyPoints(NamedTuple):
    """What a `scoring.properties` rule adds: its points before and after its cap, and for a
    per-unit rule the whole units and the value they were counted from (for the line's note)."""

    raw: float
    capped: float
    units: int
    value: PropertyValue | None


def _property_points(rule: PropertyRule, contact: Contact, now: datetime) -> _PropertyPoints | None:
    """A `scoring.properties` rule's points, or None when it does not apply: the points when the
    condition holds; for a per-unit rule, `points` per whole unit (raw) and after the cap."""
    if rule.per_unit is None:
        if not condition_holds(rule, contact, now):
            return None
        return _PropertyPoints(rule.points, rule.points, 0, None)
    value = condition_value(rule, contact)
    units, raw, capped = per_unit_points(value, rule.per_unit, rule.points, rule.cap)
    if units == 0:
        return None
    return _PropertyPoints(raw, capped, units, value)


def _property_line(rule: PropertyRule, points: _PropertyPoints) -> ScoreLine:
    if rule.per_unit is None:
        return _constant_line(f"property: {rule.name}", rule.points, describe(rule))
    return ScoreLine(
        rule=f"property: {rule.name}",
        raw_points=points.raw,
        capped_points=points.capped,
        decayed_points=points.capped,
        points=_round(points.capped),
        note=describe_per_unit(rule, points.value, points.units),
    )


def infer_intent(
    contact: Contact,
    events: Iterable[Engagement] | EngagementHistory,
    rules: ScoringRules,
    now: datetime,
) -> IntentLevel | None:
    """The CRM's intent value when it has one; otherwise the furthest level whose engagement
    kinds happened within the intent window. A history is read as it stands (its contact's
    engagements up to its `now`); plain engagements are all taken into account."""
    if contact.intent is not None:
        return contact.intent
    since = now - timedelta(days=rules.intent_window_days)
    if isinstance(events, EngagementHistory):
        events = events.events
    recent_kinds = {event.kind for event in events if event.occurred_at >= since}
    found = None
    for level in _INTENT_LEVELS:
        if recent_kinds.intersection(rules.intent_from_kinds.get(level, ())):
            found = level
    return found


def score_contact(
    contact: Contact,
    engagements: Iterable[Engagement] | EngagementHistory,
    rules: ScoringRules,
    now: datetime,
) -> ScoreCard:
    """The behaviour score of one contact at `now`, with one explanation line per rule that
    fired; the lines' points sum exactly to the total.

    Engagements after `now` are ignored: a dry run at a past `now` must not see the future.
    `engagements` may be an `EngagementHistory` already built for this contact and `now`
    (`evaluate` shares one with the lifecycle rules).
    """
    lines: list[ScoreLine] = []
    total = _score(contact, EngagementHistory.of(contact.id, engagements, now), rules, now, lines)
    lines = [line for line in lines if line.points != 0 or line.raw_points != 0]
    return ScoreCard(total=total, lines=tuple(lines), computed_at=now)


def score_total(
    contact: Contact,
    engagements: Iterable[Engagement] | EngagementHistory,
    rules: ScoringRules,
    now: datetime,
) -> int:
    """`score_contact(...).total` without the explanation lines.

    The due search (due.py) decides each person at several moments and reads only the total
    there; building the lines (a pydantic model per rule, its note's text) was most of what
    scoring cost it. Both go through `_score`, so they cannot disagree.
    """
    return _score(contact, EngagementHistory.of(contact.id, engagements, now), rules, now, None)


def _score(
    contact: Contact,
    history: EngagementHistory,
    rules: ScoringRules,
    now: datetime,
    lines: list[ScoreLine] | None,
) -> int:
    """The total at `now`; each contribution's explanation line is appended to `lines` when
    it is given. A contribution's points are the rounded value its line shows (`ScoreLine.points`),
    so the total is the sum of the lines whether or not they are built."""
    half_life = rules.half_life_days
    total = 0
    positive_behaviour = 0
    for rule, kept in _capped_kinds(rules, history):
        count, raw, capped, decayed = _decayed(rule, kept, now, half_life)
        points = _round(_clamp(decayed, rule.cap_total))
        total += points
        if points > 0:
            positive_behaviour += points
        if lines is not None:
            lines.append(_line(rule, count, raw, capped, decayed, half_life))

    source = contact.source
    weight = rules.source_weights.get(source) if source else None
    if source is not None and weight is not None and weight != 1 and positive_behaviour:
        bonus = positive_behaviour * (weight - 1)
        total += _round(bonus)
        if lines is not None:
            lines.append(
                _constant_line(
                    f"source: {source.value}",
                    bonus,
                    f"x{weight:g} on {positive_behaviour} positive behaviour points",
                )
            )

    intent = infer_intent(contact, history, rules, now)
    if intent is not None and rules.intent_points.get(intent):
        intent_points = rules.intent_points[intent]
        total += _round(intent_points)
        if lines is not None:
            origin = "from the CRM" if contact.intent is not None else "from recent engagement"
            lines.append(_constant_line(f"intent: {intent.value}", intent_points, origin))

    for domain_rule in rules.domains:
        if domain_rule.matches(contact.email_domain):
            total += _round(domain_rule.points)
            if lines is not None:
                lines.append(
                    _constant_line(
                        f"e-mail domain: {domain_rule.name}",
                        domain_rule.points,
                        contact.email_domain or "",
                    )
                )

    # After the source weight, which multiplies engagement only (see `PropertyRule`).
    for property_rule in rules.properties:
        found = _property_points(property_rule, contact, now)
        if found is not None:
            total += _round(found.capped)
            if lines is not None:
                lines.append(_property_line(property_rule, found))
    return total
