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

Cost (~7 probes a person): where a decaying kind's points step down is known from its sum
(`x · 0.5 ** (t / half-life)` crosses j + 0.5, `_step_instants`), and a bisection over probes
around those instants brackets the change before the bisection over time is replayed, deciding
afresh only the midpoints inside the bracket: the very instant the plain bisection returns. A
probe factors the decay from one moment (`scoring.DecayingScore`, scored in full at a rounding
edge), takes the other points once per stretch between the instants that can move them
(`_flips`), and decides each total once per stretch (`lifecycle.decide_move`, no models):
between those instants the stage rules read the score's total alone.
"""

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from itertools import chain
from typing import NamedTuple

from connector.domain import Value
from connector.domain.contact import Contact
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.engine import Assessment
from connector.domain.fit import grade_contact, reads_dates
from connector.domain.history import EngagementHistory
from connector.domain.lifecycle import decide_move
from connector.domain.outcomes import FieldValue, TransitionKind, UpdatableField
from connector.domain.policy import RulesPolicy, ScoreRefresh, ScoringRules
from connector.domain.scoring import DecayingScore, fixed_points, score_total
from connector.domain.stages import LifecycleStage, SalesStatus

RESOLUTION = timedelta(minutes=1)
"""How precisely a decay crossing is located: a due time is at most this late, well inside a
sync schedule (minutes), at 20 decisions per person over the whole horizon instead of 26."""

HORIZON = timedelta(days=400)
"""How far ahead to look. A decision unchanged for this long (half-lives are days to weeks,
windows at most a few months) gets no due time; any new engagement re-decides it anyway."""

_JUST_AFTER = timedelta(microseconds=1)

_SUM_ERROR = 1e-9
"""A bound, relative, on how far a decaying sum from `DecayingScore.sums` may be off the summed
one (float rounding: about 1e-15), which bounds how far a step instant computed from it can be
off (see `_step_instants`)."""

_STEP_MARGIN = timedelta(seconds=1)
"""Added either side of a computed step instant on top of the sum's bound (float error in the
logarithm is far smaller)."""

_STEPS_PER_KIND = 256
"""Past this many half-integers under a kind's sum (an uncapped rule with thousands of points),
its instants are thinned to one per 1/256 of the sum, so a sum x gives about
256 · (1 + ln(x / 256)) of them instead of x, and the bracket between two is a little wider
(about 0.6 % of a half-life), not wrong."""

Signature = tuple[TransitionKind | None, LifecycleStage | None, bool]


class DueTime(Value):
    """The next moment the person's decision changes on its own, and what changes then."""

    at: datetime | None
    reason: str = ""


_ENUM_FIELDS = {
    UpdatableField.LIFECYCLE_STAGE: LifecycleStage,
    UpdatableField.SALES_STATUS: SalesStatus,
}


def as_written(contact: Contact, desired: dict[UpdatableField, FieldValue]) -> Contact:
    """The contact as the CRM holds it once the desired values landed: the starting point of
    every later decision made without new input (each field is the contact's attribute of the
    same name)."""
    values: dict[str, object] = {}
    for field, value in desired.items():
        if field in _ENUM_FIELDS:
            value = _ENUM_FIELDS[field](str(value)) if value else None
        values[field.value] = value
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
    latest = _latest_by_kind(engagements, now)
    moments = [e.occurred_at for e in engagements if now < e.occurred_at < end]
    stage_windows, intent_windows = _windows(policy)
    for kinds, length in [*stage_windows, *intent_windows]:
        for kind in kinds:
            if kind in latest:
                moments.append(latest[kind] + length + _JUST_AFTER)
    # sorted and each once, without a set: hashing an aware datetime looks up its UTC offset
    moments.sort()
    return [
        moment
        for index, moment in enumerate(moments)
        if now < moment < end and (index == 0 or moment != moments[index - 1])
    ]


def next_due(
    contact: Contact,
    engagements: Sequence[Engagement],
    policy: RulesPolicy,
    now: datetime,
    horizon: timedelta = HORIZON,
    *,
    assessed: Assessment | None = None,
) -> DueTime:
    """When the decision about `contact` (as the CRM holds it after this run's writes, see
    `as_written`) next changes with no new input, or `at=None` within `horizon`.

    "The decision" is what a sync would do: the stage transition it would make, and whether
    the stored score has drifted from the true decayed one beyond `scoring.refresh`.

    `assessed`, when given, is `evaluate`'s assessment of the same person, engagements, rules
    and `now` (the contact before `as_written`: the writes change no field the fit or the
    history reads). Its history is used as it is, caps included, instead of grouping it again;
    its fit when no fit rule reads a date (the search grades without a `now`).
    """
    if assessed is not None and not reads_dates(policy.fit):
        fit = assessed.fit
    else:
        fit = grade_contact(contact, policy.fit, explain=False)
    refresh = policy.scoring.refresh
    known = assessed.history if assessed is not None else None
    histories = _Histories(contact, engagements, policy.scoring, known)
    flips = _flips(contact, engagements, policy)
    decided: dict[tuple[int, int], Signature] = {}
    fixed: dict[int, int | None] = {}

    def total_at(at: datetime) -> int:
        stretch = bisect_right(flips.points, at)
        if stretch not in fixed:
            fixed[stretch] = fixed_points(contact, histories.at(at), policy.scoring, at)
        others = fixed[stretch]
        total = None if others is None else histories.decaying(at).total(at, others)
        if total is None:
            total = score_total(contact, histories.at(at), policy.scoring, at, others)
        return total

    def signature(at: datetime) -> Signature:
        total = total_at(at)
        key = (bisect_right(flips.stage, at), total)
        found = decided.get(key)
        if found is None:
            move = decide_move(contact, histories.at(at), total, fit, policy, at)
            drifted = contact.score is not None and refresh.drifted(contact.score, total)
            found = (None, None, drifted) if isinstance(move, list) else (move[1], move[0], drifted)
            decided[key] = found
        return found

    start = signature(now)
    end = now + horizon
    low = now
    for moment in [*_boundaries(engagements, policy, now, end), end]:
        # Decay alone acts up to just before the boundary; the boundary itself may undo what
        # decay did (an engagement dated in the future lifts the score back), so the end of
        # the decay-only stretch is checked first, then the boundary.
        last_decayed = max(low, moment - _JUST_AFTER)
        high = last_decayed if signature(last_decayed) != start else None
        stale = start[2] and contact.score is not None
        if high is not None or stale:
            # the decaying sums at `low` say where each kind's points step down
            sums = histories.decaying(low).sums(low)
            steps = _step_instants(sums, policy.scoring.half_life_days, low, last_decayed)
            guide = sorted(
                probe
                for moment, margin in steps
                for probe in (moment - margin, moment + margin)
                if low < probe < last_decayed
            )
            if stale:
                # A stale score the true one decays through: the drift ends inside the stretch
                # and may come back below the CRM's value before its end, which the end alone
                # does not show.
                back = _back_within_tolerance(total_at, contact.score or 0, refresh, guide)
                if back is not None and (high is None or back < high):
                    high = back
            if high is not None:
                guide = [probe for probe in guide if probe < high]
                return DueTime(
                    at=_first_change(signature, start, low, high, guide), reason=_why(start)
                )
        if signature(moment) != start:
            return DueTime(at=moment, reason=_why(start))
        low = moment
    return DueTime(at=None, reason="no change expected without new input")


class _Flips(NamedTuple):
    """The instants that start a new stretch for the score's other points (`points`) and for
    the stage rules (`stage`), sorted (see `_flips`)."""

    points: list[datetime]
    stage: list[datetime]


def _flips(contact: Contact, engagements: Sequence[Engagement], policy: RulesPolicy) -> _Flips:
    """Every instant at which a rule other than decay may read the person differently: each of
    their engagements becoming visible, and just after a trigger, intent or idle window closes
    on the last engagement it holds (a superset of `_boundaries`, which keeps only the windows
    of what is visible at `now`). Between two of them the stage rules are a function of the
    score's total and the points other than engagement are constant, so the search decides a
    total there once. A window is one per group: any SQL trigger, each intent kind (intent
    reads which kinds are recent), any positive kind (the idle timer reads the last one).

    The two rule sets read different windows: only the score reads intent (and not at all when
    the CRM holds the person's intent, `infer_intent`), only the stage rules the trigger and
    idle windows; each set's stretches are cut only where it reads something new, so a
    boundary that moves nothing it reads does not cost it a decision."""
    stage_windows, intent_windows = _windows(policy)
    if contact.intent is not None:
        intent_windows = []
    by_kind: dict[EngagementKind, list[datetime]] = {}
    for event in engagements:
        if event.contact_id == contact.id:
            by_kind.setdefault(event.kind, []).append(event.occurred_at)
    # Lists, not sets: hashing an aware datetime costs more than the rest of this (its UTC
    # offset is looked up); an instant listed twice cuts no extra stretch under bisect_right.
    seen = [time for times in by_kind.values() for time in times]
    return _Flips(
        points=sorted(seen + _closings(by_kind, intent_windows)),
        stage=sorted(seen + _closings(by_kind, stage_windows)),
    )


_Window = tuple[Collection[EngagementKind], timedelta]  # any of these kinds, open this long


def _windows(policy: RulesPolicy) -> tuple[list[_Window], list[_Window]]:
    """The windows the stage rules read (any SQL trigger; any positive kind, for the idle
    timer) and the ones the score reads (each intent kind: intent reads which are recent)."""
    lifecycle, scoring = policy.lifecycle, policy.scoring
    stage: list[_Window] = [
        (lifecycle.sql.trigger_kinds, timedelta(days=lifecycle.sql.trigger_within_days))
    ]
    if lifecycle.recycle.idle_days is not None:
        stage.append((scoring.positive_kinds, timedelta(days=lifecycle.recycle.idle_days)))
    intent_kinds = {kind for kinds in scoring.intent_from_kinds.values() for kind in kinds}
    length = timedelta(days=scoring.intent_window_days)
    return stage, [((kind,), length) for kind in intent_kinds]


def _closings(
    by_kind: dict[EngagementKind, list[datetime]], windows: Iterable[_Window]
) -> list[datetime]:
    """Just after each window closes on the last engagement it holds (`by_kind`: each kind's
    times)."""
    moments: list[datetime] = []
    for kinds, length in windows:
        groups = [by_kind[kind] for kind in kinds if kind in by_kind]
        if not groups:
            continue
        times = sorted(groups[0] if len(groups) == 1 else chain.from_iterable(groups))
        last = len(times) - 1
        for index, time in enumerate(times):
            closing = time + length
            if index == last or times[index + 1] > closing:  # else still open then
                moments.append(closing + _JUST_AFTER)
    return moments


class _Histories:
    """One person's `EngagementHistory` at any moment, grouped and sorted once per set of
    visible engagements: between two of the person's engagements every moment sees the same
    ones, so the due search's probes there share one history (`EngagementHistory.seen_at`)."""

    def __init__(
        self,
        contact: Contact,
        engagements: Sequence[Engagement],
        rules: ScoringRules,
        known: EngagementHistory | None = None,
    ) -> None:
        self._contact = contact
        self._rules = rules
        self._engagements = engagements
        self._times = sorted(e.occurred_at for e in engagements if e.contact_id == contact.id)
        self._built: dict[int, EngagementHistory] = {}
        if known is not None:  # `evaluate`'s, of the same engagements at its `now`
            if known.contact_id != contact.id:
                raise ValueError("this history was built for another contact")
            self._built[bisect_right(self._times, known.now)] = known
        self._decaying: dict[int, DecayingScore] = {}

    def at(self, now: datetime) -> EngagementHistory:
        visible = bisect_right(self._times, now)  # how many of the person's are at or before now
        built = self._built.get(visible)
        if built is None:
            built = EngagementHistory.of(self._contact.id, self._engagements, now)
            self._built[visible] = built
        return built if built.now == now else built.seen_at(now)

    def decaying(self, now: datetime) -> DecayingScore:
        """The score of the engagements visible at `now`, at any moment that sees the same
        ones: from the last of them on (or `now`, before any)."""
        visible = bisect_right(self._times, now)
        found = self._decaying.get(visible)
        if found is None:
            since = self._times[visible - 1] if visible else now
            found = DecayingScore(self._contact, self.at(since), self._rules, since)
            self._decaying[visible] = found
        return found


def _step_instants(
    sums: Sequence[tuple[float, float | None]], half_life_days: float, low: datetime, high: datetime
) -> list[tuple[datetime, timedelta]]:
    """Probes around every instant in (low, high) where a decaying kind's points may step
    down, from each decaying kind's sum at `low` and its total cap (`DecayingScore.sums`): the
    sum x falls as `x · 0.5 ** (t / half-life)` and the points `round(min(x, cap))` change only
    where it crosses j + 0.5. Each instant gets a probe just before and just after it, the
    margin covering the sum's float error (an error e in x moves the instant by
    `half-life / ln 2 · e / (j + 0.5)`)."""
    half_life = half_life_days * 86_400.0
    span = (high - low).total_seconds()
    steps: list[tuple[datetime, timedelta]] = []
    for x, cap in sums:
        if x <= 0.5:
            continue
        error = x * _SUM_ERROR
        top = x if cap is None else min(x, cap + 0.5)
        crossing = math.ceil(top - 0.5) - 0.5  # the highest j + 0.5 below `top`
        while crossing > 0:
            after = half_life * math.log2(x / crossing)
            if after >= span:
                break
            margin = timedelta(seconds=half_life / math.log(2) * error / crossing) + _STEP_MARGIN
            steps.append((low + timedelta(seconds=after), margin))
            crossing -= max(1.0, math.floor(crossing / _STEPS_PER_KIND))
    return sorted(steps)


def _back_within_tolerance(
    total_at: Callable[[datetime], int],
    stored: int,
    refresh: ScoreRefresh,
    guide: Sequence[datetime],
) -> datetime | None:
    """The first `guide` probe at which a total that started above the stored score's
    tolerance is back within it, or None (it stays above, or steps past the whole band).
    Decay only lowers a stretch's total and the guide brackets each of its steps, so "no longer
    above the band" holds from some probe on: found by bisection over the probes."""

    def above(total: int) -> bool:
        return total > stored and refresh.drifted(stored, total)

    first = bisect_left(guide, True, key=lambda probe: not above(total_at(probe)))
    if first == len(guide) or refresh.drifted(stored, total_at(guide[first])):
        return None
    return guide[first]


def _first_change(
    signature: Callable[[datetime], Signature],
    start: Signature,
    low: datetime,
    high: datetime,
    guide: Sequence[datetime] = (),
) -> datetime:
    """The first moment in (low, high] whose signature differs from `start`, to RESOLUTION,
    given that it differs at `high` and that the difference, once there, stays (decay only).

    Exactly the plain bisection's answer: the `guide` instants (sorted, inside (low, high))
    first narrow a bracket (same at `before`, different at `after`) by bisection over them;
    then the bisection over time is replayed, and a midpoint is decided afresh only when it
    falls inside the bracket — outside it, the stay-once-changed premise already answers."""
    first = bisect_left(guide, True, key=lambda probe: signature(probe) != start)
    before = guide[first - 1] if first else low
    after = guide[first] if first < len(guide) else high
    while high - low > RESOLUTION:
        middle = low + (high - low) / 2
        if middle >= after:
            differs = True
        elif middle <= before:
            differs = False
        else:
            differs = signature(middle) != start
            if differs:
                after = middle
            else:
                before = middle
        if differs:
            high = middle
        else:
            low = middle
    return high


def _why(start: Signature) -> str:
    return "the decision changes with time (decay, idle timer or a closing window)" + (
        "" if start == (None, None, False) else "; it already differs from the CRM"
    )
