"""Due times: when a decided person's decision would next change with no new input.

Time alone changes decisions: interest cools (decay can take a score under the MQL or recycle
threshold, or far enough from the stored score that the CRM should be refreshed), the idle
timer of `recycle.idle_days` runs out, an SQL trigger or an intent window closes, and an
engagement dated in the future becomes visible. The sync engine stores the due time per person
and re-decides the people that are due, so the answer is right at the first sync after it
changed and nobody is read without reason.

How it is found, purely and deterministically for a given `now`: the decision is re-derived at
the discrete moments where a window opens or closes (the only moments a rule flips on its
own), and between two such moments only decay moves, which never raises a score (see
scoring.py), so "the decision differs from now's" turns true at most once there and is found by
bisection to `RESOLUTION`. The result is at most `RESOLUTION` late, never early.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from connector.domain.contact import Contact
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.fit import grade_contact
from connector.domain.history import EngagementHistory
from connector.domain.lifecycle import decide_stage
from connector.domain.outcomes import FieldValue, TransitionKind, UpdatableField
from connector.domain.policy import RulesPolicy
from connector.domain.scoring import score_contact
from connector.domain.stages import LifecycleStage, SalesStatus

RESOLUTION = timedelta(minutes=1)
"""How precisely a decay crossing is located: a due time is at most this late, well inside a
sync schedule (minutes), at 20 decisions per person over the whole horizon instead of 26."""

HORIZON = timedelta(days=400)
"""How far ahead to look. A decision unchanged for this long (half-lives are days to weeks,
windows at most a few months) gets no due time; any new engagement re-decides it anyway."""

_JUST_AFTER = timedelta(microseconds=1)

Signature = tuple[TransitionKind | None, LifecycleStage | None, bool]


class DueTime(BaseModel):
    """The next moment the person's decision changes on its own, and what changes then."""

    model_config = ConfigDict(frozen=True)

    at: datetime | None
    reason: str = ""


def as_written(contact: Contact, desired: dict[UpdatableField, FieldValue]) -> Contact:
    """The contact as the CRM holds it once the desired values landed: the starting point of
    every later decision made without new input."""
    values: dict[str, object] = {}
    for field, value in desired.items():
        match field:
            case UpdatableField.SCORE:
                values["score"] = value
            case UpdatableField.GRADE:
                values["grade"] = value
            case UpdatableField.LIFECYCLE_STAGE:
                values["lifecycle_stage"] = LifecycleStage(str(value)) if value else None
            case UpdatableField.OWNER_ID:
                values["owner_id"] = value
            case UpdatableField.SALES_STATUS:
                values["sales_status"] = SalesStatus(str(value)) if value else None
            case UpdatableField.RECYCLED_AT:
                values["recycled_at"] = value
            case UpdatableField.SCORE_REASONS:
                values["score_reasons"] = value
    return contact.model_copy(update=values)


def _latest_by_kind(
    engagements: Iterable[Engagement], now: datetime
) -> dict[EngagementKind, datetime]:
    latest: dict[EngagementKind, datetime] = {}
    for event in engagements:
        if event.occurred_at <= now:
            held = latest.get(event.kind)
            if held is None or event.occurred_at > held:
                latest[event.kind] = event.occurred_at
    return latest


def _boundaries(
    engagements: Sequence[Engagement], policy: RulesPolicy, now: datetime, end: datetime
) -> list[datetime]:
    """The moments after `now` where a window-based rule may flip: just after a trigger,
    intent or idle window closes (the rules compare with `>=` or `>`, so a window is still
    open at its last instant), and when an engagement dated in the future becomes visible."""
    lifecycle, scoring = policy.lifecycle, policy.scoring
    latest = _latest_by_kind(engagements, now)
    moments: set[datetime] = {e.occurred_at for e in engagements if now < e.occurred_at < end}
    windows: list[tuple[Iterable[EngagementKind], timedelta]] = [
        (lifecycle.sql.trigger_kinds, timedelta(days=lifecycle.sql.trigger_within_days)),
        (
            {kind for kinds in scoring.intent_from_kinds.values() for kind in kinds},
            timedelta(days=scoring.intent_window_days),
        ),
    ]
    if lifecycle.recycle.idle_days is not None:
        windows.append((scoring.positive_kinds, timedelta(days=lifecycle.recycle.idle_days)))
    for kinds, length in windows:
        for kind in kinds:
            if kind in latest:
                moments.add(latest[kind] + length + _JUST_AFTER)
    return sorted(moment for moment in moments if now < moment < end)


def next_due(
    contact: Contact,
    engagements: Sequence[Engagement],
    policy: RulesPolicy,
    now: datetime,
    horizon: timedelta = HORIZON,
) -> DueTime:
    """When the decision about `contact` (as the CRM holds it after this run's writes, see
    `as_written`) next changes with no new input, or `at=None` within `horizon`.

    "The decision" is what a sync would do: the stage transition it would make, and whether
    the stored score has drifted from the true decayed one beyond `scoring.refresh`.
    """
    fit = grade_contact(contact, policy.fit)
    refresh = policy.scoring.refresh

    def signature(at: datetime) -> Signature:
        history = EngagementHistory.of(contact.id, engagements, at)
        score = score_contact(contact, history, policy.scoring, at)
        transition = decide_stage(contact, history, score, fit, policy, at).transition
        drifted = contact.score is not None and refresh.drifted(contact.score, score.total)
        if transition is None:
            return None, None, drifted
        return transition.kind, transition.to_stage, drifted

    start = signature(now)
    end = now + horizon
    low = now
    for moment in [*_boundaries(engagements, policy, now, end), end]:
        # Decay alone acts up to just before the boundary; the boundary itself may undo what
        # decay did (an engagement dated in the future lifts the score back), so the end of
        # the decay-only stretch is checked first, then the boundary.
        last_decayed = max(low, moment - _JUST_AFTER)
        if signature(last_decayed) != start:
            return DueTime(
                at=_first_change(signature, start, low, last_decayed), reason=_why(start)
            )
        if signature(moment) != start:
            return DueTime(at=moment, reason=_why(start))
        low = moment
    return DueTime(at=None, reason="no change expected without new input")


def _first_change(
    signature: Callable[[datetime], Signature], start: Signature, low: datetime, high: datetime
) -> datetime:
    """The first moment in (low, high] whose signature differs from `start`, to RESOLUTION,
    given that it differs at `high` and that the difference, once there, stays (decay only)."""
    while high - low > RESOLUTION:
        middle = low + (high - low) / 2
        if signature(middle) != start:
            high = middle
        else:
            low = middle
    return high


def _why(start: Signature) -> str:
    return "the decision changes with time (decay, idle timer or a closing window)" + (
        "" if start == (None, None, False) else "; it already differs from the CRM"
    )
