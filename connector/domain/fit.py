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


def _line(criterion: FitCriterion, contact: Contact, now: datetime | None) -> FitLine | None:
    """The criterion's line for this contact, or None when it does not apply. A per-unit
    criterion applies when its value is a number and earns at least one whole unit."""
    if criterion.per_unit is None:
        if not condition_holds(criterion, contact, now):
            return None
        return FitLine(rule=criterion.name, points=criterion.points, matched=describe(criterion))
    value = condition_value(criterion, contact)
    units, _, capped = per_unit_points(value, criterion.per_unit, criterion.points, criterion.cap)
    if units == 0:
        return None
    return FitLine(
        rule=criterion.name,
        points=int(capped),
        matched=describe_per_unit(criterion, value, units),
    )


def grade_contact(contact: Contact, rules: FitRules, now: datetime | None = None) -> FitCard:
    """The fit points, the grade band they fall in, and every disqualifier that matched.

    A disqualified contact gets `rules.disqualified_grade` whatever its points; points below the
    lowest band still get the lowest band's grade, so every contact has a grade. `now` is only
    read by recency tests (`within_days`); without it they never match.
    """
    reasons = tuple(
        f"{rule.name}: {describe(rule)}"
        for rule in rules.disqualify
        if condition_holds(rule, contact, now)
    )
    lines = tuple(
        line for criterion in rules.criteria if (line := _line(criterion, contact, now)) is not None
    )
    points = sum(line.points for line in lines)
    if reasons:
        grade = rules.disqualified_grade
    else:
        grade = next(
            (band.grade for band in rules.grades if points >= band.min_points),
            rules.grades[-1].grade,
        )
    return FitCard(grade=grade, points=points, lines=lines, disqualified_reasons=reasons)
