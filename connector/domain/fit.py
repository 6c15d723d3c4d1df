"""Fit grade: who the contact is (firmographics, demographics, geography), never what they did.

Kept apart from the behaviour score because a perfect-fit account that has not engaged yet and
an eager student are different problems for sales; the lifecycle rules combine the two.
"""

from connector.domain.conditions import condition_holds, describe
from connector.domain.contact import Contact
from connector.domain.outcomes import FitCard, FitLine
from connector.domain.policy import FitRules


def grade_contact(contact: Contact, rules: FitRules) -> FitCard:
    """The fit points, the grade band they fall in, and every disqualifier that matched.

    A disqualified contact gets `rules.disqualified_grade` whatever its points; points below the
    lowest band still get the lowest band's grade, so every contact has a grade.
    """
    reasons = tuple(
        f"{rule.name}: {describe(rule)}"
        for rule in rules.disqualify
        if condition_holds(rule, contact)
    )
    lines = tuple(
        FitLine(rule=criterion.name, points=criterion.points, matched=describe(criterion))
        for criterion in rules.criteria
        if condition_holds(criterion, contact)
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
