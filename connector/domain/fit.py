"""Fit grade: who the contact is (firmographics, demographics, geography), never what they did.

Kept apart from the behaviour score because a perfect-fit account that has not engaged yet and
an eager student are different problems for sales; the lifecycle rules combine the two.
"""

from datetime import datetime

from connector.domain.conditions import (
    condition_holds,
    condition_value,
    describe,
    describe_per_unit,
    per_unit_points,
)
from connector.domain.contact import Contact
from connector.domain.outcomes import FitCard, FitLine
from connector.domain.policy import FitCriterion, FitRules


def _applies(
    criterion: FitCriterion, contact: Contact, now: datetime | None, explain: bool
) -> tuple[int, str] | None:
    """The criterion's points for this contact and (with `explain`) what it matched, or None
    when it does not apply. A per-unit criterion applies when its value is a number and earns
    at least one whole unit."""
    if criterion.per_unit is None:
        if not condition_holds(criterion, contact, now):
            return None
        return criterion.points, describe(criterion) if explain else ""
    value = condition_value(criterion, contact)
    units, _, capped = per_unit_points(value, criterion.per_unit, criterion.points, criterion.cap)
    if units == 0:
        return None
    return int(capped), describe_per_unit(criterion, value, units) if explain else ""


def reads_dates(rules: FitRules) -> bool:
    """Whether a criterion or disqualifier tests recency (`within_days`): only then does a
    grade depend on the `now` it is given."""
    return any(rule.within_days is not None for rule in (*rules.criteria, *rules.disqualify))


def grade_contact(
    contact: Contact, rules: FitRules, now: datetime | None = None, *, explain: bool = True
) -> FitCard:
    """The fit points, the grade band they fall in, and every disqualifier that matched.

    A disqualified contact gets `rules.disqualified_grade` whatever its points; points below the
    lowest band still get the lowest band's grade, so every contact has a grade. `now` is only
    read by recency tests (`within_days`); without it they never match. `explain=False` leaves
    the card's lines out (the same points, grade and disqualifiers): the due search reads the
    grade alone, and the lines' models were most of the cost.
    """
    reasons = tuple(
        f"{rule.name}: {describe(rule)}"
        for rule in rules.disqualify
        if condition_holds(rule, contact, now)
    )
    points = 0
    lines: list[FitLine] = []
    for criterion in rules.criteria:
        found = _applies(criterion, contact, now, explain)
        if found is not None:
            points += found[0]
            if explain:
                lines.append(FitLine(rule=criterion.name, points=found[0], matched=found[1]))
    if reasons:
        grade = rules.disqualified_grade
    else:
        grade = next(
            (band.grade for band in rules.grades if points >= band.min_points),
            rules.grades[-1].grade,
        )
    return FitCard(grade=grade, points=points, lines=tuple(lines), disqualified_reasons=reasons)
