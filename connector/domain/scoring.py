"""Behaviour score: points per engagement with per-day caps, time decay and total caps, plus
e-mail-domain penalties, source weighting and intent — every step visible in the ScoreCard.

Order of operations, chosen so that "decay never raises a score" holds: per-day caps apply to
raw points (a burst of page views on one day cannot dominate), then each event decays by its own
age, then the per-kind total cap applies to what is left. Negative points never decay.

Speed: this is the rules engine's inner loop (once per engagement of every contact), so the
usual path (`_fast_engagement_sums`) does its per-event arithmetic in C-level `map`/`reduce`
pipelines over a kind's sorted times (see `EngagementHistory`), skipping what cannot change a
result. Every float it produces is computed with the same operations, on the same operands,
in the same order as the straightforward per-event loop (`_engagement_sums`, which still
scores histories the fast form cannot hold): scores are bit-identical, not merely close.
"""

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import reduce
from itertools import repeat
from operator import add, attrgetter, mul, sub, truediv

from connector.domain.conditions import (
    condition_holds,
    condition_value,
    describe,
    describe_per_unit,
    per_unit_points,
)
from connector.domain.contact import Contact, IntentLevel
from connector.domain.engagement import Engagement, EngagementKind
from connector.domain.history import EngagementHistory
from connector.domain.outcomes import ScoreCard, ScoreLine
from connector.domain.policy import EngagementRule, PropertyRule, ScoringRules

SECONDS_PER_DAY = 86_400.0
_INTENT_LEVELS = tuple(IntentLevel)  # iterating the enum itself runs Python code each time
_ONE_DAY = timedelta(days=1)
_MIDNIGHT = clock_time(0)
_TOTAL_SECONDS = timedelta.total_seconds
_EXACT_INTEGERS = 2**53  # every integer of smaller magnitude is an exact float
_TIME_AND_SOURCE = attrgetter("occurred_at", "source_id")


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


def _engagement_sums(
    rule: EngagementRule, events: Sequence[Engagement], now: datetime, half_life: float
) -> Sums:
    """One kind's contribution, the straightforward way: for histories that only have the
    general form (see `EngagementHistory`); events must be sorted oldest first so daily caps
    are spent in the order things happened.

    The arithmetic is exactly `decay_factor`'s and `_utc_day`'s (same operations in the same
    order) with no helper call per event.
    """
    points = rule.points
    cap_per_day = rule.cap_per_day
    decays = rule.applies_decay
    copysign = math.copysign
    spent_per_day: dict[date, float] = {}
    raw = capped = decayed = 0.0
    count = 0
    for event in events:
        quantity = event.quantity
        occurred_at = event.occurred_at
        value = points * quantity
        count += quantity
        raw += value
        allowed = value
        if cap_per_day is not None:
            day = occurred_at.astimezone(UTC).date()
            spent = spent_per_day.get(day, 0.0)
            room = cap_per_day - spent
            if not room >= 0.0:  # max(room, 0.0) without a call
                room = 0.0
            size = abs(value)
            allowed = copysign(size if size <= room else room, value)
            spent_per_day[day] = spent + abs(allowed)
        capped += allowed
        if decays:
            age = (now - occurred_at).total_seconds()
            if not age >= 0.0:
                age = 0.0
            decayed += allowed * 0.5 ** (age / SECONDS_PER_DAY / half_life)
        else:
            decayed += allowed * 1.0
    return count, raw, capped, decayed


def _fast_engagement_sums(
    rule: EngagementRule,
    times: list[datetime],
    quantities: list[int],
    count: int,
    now: datetime,
    half_life: float,
) -> Sums:
    """`_engagement_sums` for the fast form: one kind's engagements sorted as there, given by
    their times (all <= `now`, in fixed-offset zones: see `EngagementHistory`), quantities
    and the quantities' sum, with the same floats as a result.

    Why each shortcut is exact:
    - the raw points are a left-to-right sum of `points * quantity`; `_raw_points` computes
      that sum in C (`reduce(add, ...)`, not `sum`, which compensates rounding on Python
      3.12+), or as one product when every term and partial sum is an exact integer;
    - without a daily cap every event is allowed its whole value, so the capped sum is the raw
      sum, and without decay (`allowed * 1.0 == allowed`) so is the decayed one;
    - each event's age and factor are `(now - time).total_seconds()` and
      `0.5 ** (age / 86400.0 / half_life)` as before, only computed by `map`;
    - under a daily cap, positive points and time order make each UTC day a contiguous run
      whose spending starts at 0; once a day's room is exactly 0 every further event of that
      day is allowed ±0.0, which changes no sum (the sums start at +0.0 and can never become
      -0.0), so the loop jumps to the next UTC midnight.
    """
    points = rule.points
    unit = count == len(quantities)  # quantities are >= 1: all of them are 1
    raw = _raw_points(points, quantities, count, unit)
    cap_per_day = rule.cap_per_day
    decays = rule.applies_decay
    if cap_per_day is None:
        capped = raw
        if decays:
            # `points * 1` is `points`, bit for bit
            values = repeat(points) if unit else map(mul, repeat(points), quantities)
            decayed = reduce(add, map(mul, values, _decay_factors(times, now, half_life)), 0.0)
        else:
            decayed = raw
    elif points > 0:
        capped, decayed = _capped_positive(
            points, cap_per_day, decays, quantities, unit, times, now, half_life
        )
    else:
        capped, decayed = _capped_any(
            points, cap_per_day, decays, quantities, times, now, half_life
        )
    return count, raw, capped, decayed


def _raw_points(points: float, quantities: list[int], count: int, unit: bool) -> float:
    """The left-to-right float sum of `points * quantity`. When `points` is a non-zero integer
    and `|points| * count` is below 2**53, every term and partial sum is an exact integer, so
    the sum is exact whatever its order and equals the single product `points * count`."""
    if points.is_integer() and points != 0 and int(abs(points)) * count < _EXACT_INTEGERS:
        return points * count
    values = repeat(points, len(quantities)) if unit else map(mul, repeat(points), quantities)
    return reduce(add, values, 0.0)


def _decay_factors(times: Iterable[datetime], now: datetime, half_life: float) -> Iterable[float]:
    """`0.5 ** ((now - time).total_seconds() / 86400.0 / half_life)` per event, in C."""
    seconds = map(_TOTAL_SECONDS, map(sub, repeat(now), times))
    days = map(truediv, seconds, repeat(SECONDS_PER_DAY))
    return map(pow, repeat(0.5), map(truediv, days, repeat(half_life)))


def _capped_positive(
    points: float,
    cap_per_day: float,
    decays: bool,
    quantities: list[int],
    unit: bool,
    times: list[datetime],
    now: datetime,
    half_life: float,
) -> tuple[float, float]:
    """Capped and decayed sums under a daily cap, for positive points: day by day, jumping
    over the rest of a day once its room is spent. With a positive value, `_engagement_sums`'s
    `copysign(min(|value|, room), value)` is `min(value, room)` and `abs(allowed)` is
    `allowed`."""
    capped = decayed = 0.0
    index, end = 0, len(times)
    while index < end:
        day = times[index].astimezone(UTC).date()
        next_day = datetime.combine(day + _ONE_DAY, _MIDNIGHT, UTC) if day != date.max else None
        spent = 0.0
        while True:
            value = points if unit else points * quantities[index]
            room = cap_per_day - spent
            if not room >= 0.0:
                room = 0.0
            allowed = value if value <= room else room
            if allowed == 0.0:  # the day's room is spent: nothing more that day counts
                index = end if next_day is None else bisect_left(times, next_day, index)
                break
            spent += allowed
            capped += allowed
            if decays:
                age = (now - times[index]).total_seconds()
                decayed += allowed * 0.5 ** (age / SECONDS_PER_DAY / half_life)
            else:
                decayed += allowed * 1.0
            index += 1
            if index == end or (next_day is not None and times[index] >= next_day):
                break
    return capped, decayed


def _capped_any(
    points: float,
    cap_per_day: float,
    decays: bool,
    quantities: list[int],
    times: list[datetime],
    now: datetime,
    half_life: float,
) -> tuple[float, float]:
    """Capped and decayed sums under a daily cap for any points (negative, zero): per event,
    exactly `_engagement_sums`'s loop."""
    copysign = math.copysign
    spent_per_day: dict[date, float] = {}
    capped = decayed = 0.0
    for quantity, time in zip(quantities, times, strict=True):
        value = points * quantity
        day = time.astimezone(UTC).date()
        spent = spent_per_day.get(day, 0.0)
        room = cap_per_day - spent
        if not room >= 0.0:
            room = 0.0
        size = abs(value)
        allowed = copysign(size if size <= room else room, value)
        spent_per_day[day] = spent + abs(allowed)
        capped += allowed
        if decays:
            age = (now - time).total_seconds()
            decayed += allowed * 0.5 ** (age / SECONDS_PER_DAY / half_life)
        else:
            decayed += allowed * 1.0
    return capped, decayed


def _constant_line(rule: str, points: float, note: str = "") -> ScoreLine:
    return ScoreLine(
        rule=rule,
        raw_points=points,
        capped_points=points,
        decayed_points=points,
        points=_round(points),
        note=note,
    )


def _property_line(rule: PropertyRule, contact: Contact, now: datetime) -> ScoreLine | None:
    """A `scoring.properties` rule's line, or None when it does not apply: the points when the
    condition holds; for a per-unit rule, `points` per whole unit (raw) and after the cap."""
    if rule.per_unit is None:
        if not condition_holds(rule, contact, now):
            return None
        return _constant_line(f"property: {rule.name}", rule.points, describe(rule))
    value = condition_value(rule, contact)
    units, raw, capped = per_unit_points(value, rule.per_unit, rule.points, rule.cap)
    if units == 0:
        return None
    return ScoreLine(
        rule=f"property: {rule.name}",
        raw_points=raw,
        capped_points=capped,
        decayed_points=capped,
        points=_round(capped),
        note=describe_per_unit(rule, value, units),
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
    recent_kinds: set[EngagementKind]
    if isinstance(events, EngagementHistory) and events.times is not None:
        # each kind's last time is its latest
        recent_kinds = {kind for kind, times in events.times.items() if times[-1] >= since}
    else:
        if isinstance(events, EngagementHistory):
            events = events.events or ()
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
    history = EngagementHistory.of(contact.id, engagements, now)
    half_life = rules.half_life_days
    lines: list[ScoreLine] = []
    times, quantities, counts = history.times, history.quantities, history.counts
    if times is not None and quantities is not None and counts is not None:
        for rule in rules.engagement:
            kind = rule.kind
            kind_times = times.get(kind)
            if kind_times:
                sums = _fast_engagement_sums(
                    rule, kind_times, quantities[kind], counts[kind], now, half_life
                )
                lines.append(_line(rule, *sums, half_life))
    else:
        events = history.events or []
        # Oldest first within each kind, ties by source id: the order of one sort by (time,
        # kind, source) restricted to a kind, at a fraction of its cost.
        general: dict[str, list[Engagement]] = defaultdict(list)
        for event in events:
            general[event.kind].append(event)
        for group in general.values():
            if any(event.source_id is None for event in group):
                group.sort(key=lambda e: (e.occurred_at, e.source_id or ""))
            else:
                group.sort(key=_TIME_AND_SOURCE)
        for rule in rules.engagement:
            if general.get(rule.kind):
                sums = _engagement_sums(rule, general[rule.kind], now, half_life)
                lines.append(_line(rule, *sums, half_life))

    positive_behaviour = sum(line.points for line in lines if line.points > 0)
    weight = rules.source_weights.get(contact.source) if contact.source else None
    if weight is not None and weight != 1 and positive_behaviour:
        bonus = positive_behaviour * (weight - 1)
        lines.append(
            _constant_line(
                f"source: {contact.source.value}",
                bonus,
                f"x{weight:g} on {positive_behaviour} positive behaviour points",
            )
        )

    intent = infer_intent(contact, history, rules, now)
    if intent is not None and rules.intent_points.get(intent):
        origin = "from the CRM" if contact.intent is not None else "from recent engagement"
        lines.append(_constant_line(f"intent: {intent.value}", rules.intent_points[intent], origin))

    for domain_rule in rules.domains:
        if domain_rule.matches(contact.email_domain):
            lines.append(
                _constant_line(
                    f"e-mail domain: {domain_rule.name}",
                    domain_rule.points,
                    contact.email_domain or "",
                )
            )

    # After the source weight, which multiplies engagement only (see `PropertyRule`).
    for property_rule in rules.properties:
        line = _property_line(property_rule, contact, now)
        if line is not None:
            lines.append(line)

    lines = [line for line in lines if line.points != 0 or line.raw_points != 0]
    return ScoreCard(total=sum(line.points for line in lines), lines=tuple(lines), computed_at=now)
