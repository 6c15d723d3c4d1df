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

from connector.domain.conditions import describe_points, rule_points
from connector.domain.contact import Contact, IntentLevel
from connector.domain.engagement import Engagement
from connector.domain.history import EngagementHistory
from connector.domain.outcomes import ScoreCard, ScoreLine
from connector.domain.policy import EngagementRule, ScoringRules

SECONDS_PER_DAY = 86_400.0
_INTENT_LEVELS = tuple(IntentLevel)  # iterating the enum itself runs Python code each time


def _round(value: float) -> int:
    """Half away from zero, so +2.5 and -2.5 round symmetrically (Python's round is bankers')."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def decay_factor(occurred_at: datetime, now: datetime, half_life_days: float) -> float:
    """How much of an engagement's value is left after its age: 1 now, 0.5 after one half-life."""
    age_days = max((now - occurred_at).total_seconds(), 0.0) / SECONDS_PER_DAY
    return 0.5 ** (age_days / half_life_days)


def _clamp(value: float, cap: float | None) -> float:
    if cap is None:
        return value
    return max(-cap, min(cap, value))


def _line(rule: EngagementRule, kept: "_Capped", decayed: float, half_life: float) -> ScoreLine:
    final = _clamp(decayed, rule.cap_total)
    notes = []
    if kept.capped != kept.raw:
        notes.append(f"daily cap {rule.cap_per_day:g}")
    if rule.applies_decay:
        notes.append(f"half-life {half_life:g} d")
    if final != decayed:
        notes.append(f"total cap {rule.cap_total:g}")
    return ScoreLine(
        rule=f"engagement: {rule.kind.value}",
        events=kept.events,
        raw_points=round(kept.raw, 4),
        capped_points=round(kept.capped, 4),
        decayed_points=round(decayed, 4),
        points=_round(final),
        note=", ".join(notes),
    )


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
            day = event.occurred_at.astimezone(UTC).date()
            spent = spent_per_day.get(day, 0.0)
            room = cap_per_day - spent
            if not room >= 0.0:  # max(room, 0.0), and 0.0 for a NaN
                room = 0.0
            allowed = math.copysign(min(abs(value), room), value)
            spent_per_day[day] = spent + abs(allowed)
        capped += allowed
        allowed_by_event.append((event.occurred_at, allowed))
    return _Capped(count, raw, capped, tuple(allowed_by_event))


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


def _decayed(rule: EngagementRule, capped: _Capped, now: datetime, half_life: float) -> float:
    """The capped points, each decayed by its age at `now` unless the rule does not decay:
    the same terms added in the same order as one pass over the events would, so the same
    float whether or not the capped points came from the memo."""
    if not rule.applies_decay:
        return capped.capped
    decayed = 0.0
    for occurred_at, allowed in capped.allowed:
        decayed += allowed * decay_factor(occurred_at, now, half_life)
    return decayed


def _constant_line(rule: str, points: float, note: str = "", raw: float | None = None) -> ScoreLine:
    """A line that does not decay: `points` before rounding (`raw`: before a cap, if any)."""
    return ScoreLine(
        rule=rule,
        raw_points=points if raw is None else raw,
        capped_points=points,
        decayed_points=points,
        points=_round(points),
        note=note,
    )


def infer_intent(
    contact: Contact, history: EngagementHistory, rules: ScoringRules, now: datetime
) -> IntentLevel | None:
    """The CRM's intent value when it has one; otherwise the furthest level whose engagement
    kinds happened within the intent window (of the history's engagements, up to its `now`)."""
    if contact.intent is not None:
        return contact.intent
    since = now - timedelta(days=rules.intent_window_days)
    recent_kinds = {event.kind for event in history.events if event.occurred_at >= since}
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
    fixed: int | None = None,
) -> int:
    """`score_contact(...).total` without the explanation lines (the due search reads only the
    total); both go through `_score`, so they cannot disagree. `fixed`, when given, is
    `fixed_points` of the same contact and history at a moment that reads them the same."""
    history = EngagementHistory.of(contact.id, engagements, now)
    return _score(contact, history, rules, now, None, fixed)


def fixed_points(
    contact: Contact, history: EngagementHistory, rules: ScoringRules, now: datetime
) -> int | None:
    """The points that are not engagement (intent, e-mail domains, property rules), or None
    when a property rule reads a date (`within_days`: it moves with `now` at any instant).
    Otherwise they move only with the history and the intent window, so the due search takes
    them once per stretch between such instants."""
    if any(rule.within_days is not None for rule in rules.properties):
        return None
    return _fixed(contact, history, rules, now, None)


def _score(
    contact: Contact,
    history: EngagementHistory,
    rules: ScoringRules,
    now: datetime,
    lines: list[ScoreLine] | None,
    fixed: int | None = None,
) -> int:
    """The total at `now`; each contribution's explanation line is appended to `lines` when
    it is given. A contribution's points are the rounded value its line shows (`ScoreLine.points`),
    so the total is the sum of the lines whether or not they are built."""
    half_life = rules.half_life_days
    total = 0
    positive_behaviour = 0
    for rule, kept in _capped_kinds(rules, history):
        decayed = _decayed(rule, kept, now, half_life)
        points = _round(_clamp(decayed, rule.cap_total))
        total += points
        if points > 0:
            positive_behaviour += points
        if lines is not None:
            lines.append(_line(rule, kept, decayed, half_life))

    total += _source_bonus(contact, rules, positive_behaviour, lines)
    if fixed is None:
        fixed = _fixed(contact, history, rules, now, lines)
    return total + fixed


def _source_bonus(
    contact: Contact, rules: ScoringRules, positive_behaviour: int, lines: list[ScoreLine] | None
) -> int:
    """The lead source's weight on the positive behaviour points (the extra over 1x)."""
    source = contact.source
    weight = rules.source_weights.get(source) if source else None
    if source is None or weight is None or weight == 1 or not positive_behaviour:
        return 0
    bonus = positive_behaviour * (weight - 1)
    if lines is not None:
        lines.append(
            _constant_line(
                f"source: {source.value}",
                bonus,
                f"x{weight:g} on {positive_behaviour} positive behaviour points",
            )
        )
    return _round(bonus)


_UNSURE = 1e-9
"""How close (relative) to a rounding or cap edge a factored sum may come before `DecayingScore`
leaves the moment to `_score`; float rounding puts it ~1e-15 off the summed one."""


class DecayingScore:
    """One history's total at later moments that see the same engagements, without re-summing
    the decay (the due search's probes): a decaying kind's sum `sum(a_i * 0.5 ** (age_i / h))`
    (terms never negative: penalties do not decay) is its sum at `at` times
    `0.5 ** ((t - at) / h)`, off `_score`'s own by float rounding only. So its rounded, capped
    points are `_score`'s unless that product lies within `_UNSURE` of a half-integer or the
    cap, where `total` answers None and the caller scores the moment in full."""

    __slots__ = (
        "_at",
        "_bonus",
        "_contact",
        "_decaying",
        "_half_life",
        "_points",
        "_positive",
        "_rules",
    )

    def __init__(
        self, contact: Contact, history: EngagementHistory, rules: ScoringRules, at: datetime
    ) -> None:
        self._contact, self._rules, self._half_life = contact, rules, rules.half_life_days
        self._at = at
        self._bonus: dict[int, int] = {}  # `_source_bonus` per positive behaviour points
        self._points = self._positive = 0  # of the kinds that do not decay
        self._decaying: list[tuple[float, float | None]] = []
        for rule, kept in _capped_kinds(rules, history):
            decayed = _decayed(rule, kept, self._at, self._half_life)
            if rule.applies_decay:
                self._decaying.append((decayed, rule.cap_total))
                continue
            points = _round(_clamp(decayed, rule.cap_total))
            self._points += points
            self._positive += max(points, 0)

    def sums(self, now: datetime) -> list[tuple[float, float | None]]:
        """Each decaying kind's sum at `now` (to within `_UNSURE`) and its total cap."""
        factor = decay_factor(self._at, now, self._half_life)
        return [(summed * factor, cap) for summed, cap in self._decaying]

    def total(self, now: datetime, fixed: int) -> int | None:
        """The total at `now` (`fixed`: `fixed_points` there), or None when unsure."""
        factor = decay_factor(self._at, now, self._half_life)
        total, positive = self._points, self._positive
        floor = math.floor
        for summed, cap in self._decaying:
            decayed = summed * factor
            margin = _UNSURE * (decayed + 1.0)
            if abs(decayed - floor(decayed) - 0.5) <= margin or (
                cap is not None and abs(decayed - cap) <= margin
            ):
                return None
            if cap is not None and not -cap <= decayed <= cap:
                decayed = _clamp(decayed, cap)
            # `_round`: half away from zero, which for a value >= 0 is floor(value + 0.5)
            points = int(floor(decayed + 0.5)) if decayed >= 0.0 else _round(decayed)
            total += points
            if points > 0:
                positive += points
        bonus = self._bonus.get(positive)
        if bonus is None:
            bonus = _source_bonus(self._contact, self._rules, positive, None)
            self._bonus[positive] = bonus
        return total + bonus + fixed


def _fixed(
    contact: Contact,
    history: EngagementHistory,
    rules: ScoringRules,
    now: datetime,
    lines: list[ScoreLine] | None,
) -> int:
    """Intent, e-mail domains and property rules (`fixed_points`), after the engagement and
    the source weight, in the lines' order."""
    total = 0
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
        found = rule_points(property_rule, contact, now)
        if found is not None:
            total += _round(found.capped)
            if lines is not None:
                note = describe_points(property_rule, found)
                lines.append(
                    _constant_line(f"property: {property_rule.name}", found.capped, note, found.raw)
                )
    return total
