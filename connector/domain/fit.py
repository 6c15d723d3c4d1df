"""Fit grade: who the contact is (firmographics, demographics, geography), never what they did.

Kept apart from the behaviour score because a perfect-fit account that has not engaged yet and
an eager student are different problems for sales; the lifecycle rules combine the two.
"""

from datetime import datetime

from connector.domain.conditions import condition_holds, describe, describe_points, rule_points
from connector.domain.contact import Contact
from connector.domain.outcomes import FitCard, FitLine
from connector.domain.policy import FitRules


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
        found = rule_points(criterion, contact, now)
        if found is not None:
            points += int(found.capped)
            if explain:
                matched = describe_points(criterion, found)
                lines.append(
                    FitLine(rule=criterion.name, points=int(found.capped), matched=matched)
                )
    if reasons:
        grade = rules.disqualified_grade
    else:
        grade = next(
            (band.grade for band in rules.grades if points >= band.min_points),
            rules.grades[-1].grade,
        )
    return FitCard(grade=grade, points=points, lines=tuple(lines), disqualified_reasons=reasons)
