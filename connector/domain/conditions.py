"""Evaluating a rule condition against a contact — shared by fit criteria, disqualifiers,
property score rules and routing territories so that "industry in [...]" means the same thing
everywhere."""

import math
from datetime import datetime, timedelta
from typing import NamedTuple

from connector.domain.contact import Contact
from connector.domain.policy import Condition, FitField, PointsRule
from connector.domain.properties import PropertyValue


def condition_value(condition: Condition, contact: Contact) -> PropertyValue | None:
    """What the condition looks at (None when absent): a mapped property, or the contact's
    attribute named by the field; company attributes come from its company, and geography
    falls back to the company's when the person has none."""
    if condition.property is not None:
        return contact.properties.get(condition.property)
    field, company = condition.field, contact.company
    assert field is not None
    match field:
        case FitField.INDUSTRY:
            return (company.industry if company else None) or contact.industry
        case FitField.EMPLOYEES | FitField.ANNUAL_REVENUE:
            return getattr(company, field.value, None)  # None without a company
        case FitField.COUNTRY | FitField.REGION:
            return getattr(contact, field.value) or getattr(company, field.value, None)
        case FitField.SOURCE:
            return contact.source.value if contact.source else None
    return getattr(contact, field.value)  # job title, seniority, decision role, e-mail domain


def _as_number(value: PropertyValue | None) -> float | None:
    if value is None or isinstance(value, bool | datetime):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(value: PropertyValue) -> str:
    return str(value).strip().casefold()


def condition_holds(condition: Condition, contact: Contact, now: datetime | None = None) -> bool:
    """True when the contact satisfies the condition; a missing value satisfies only `missing`.

    `now` is needed by `within_days` only (a recency test without a `now` never holds, which is
    why routing, which has none, may not use it). A `per_unit` rule holds when its value is a
    number: its points come from `rule_points`.
    """
    value = condition_value(condition, contact)
    if condition.missing is not None:
        is_missing = value is None or (isinstance(value, str) and not value.strip())
        return is_missing == condition.missing
    if value is None:
        return False
    if condition.is_ is not None:
        return isinstance(value, bool) and value == condition.is_
    if condition.within_days is not None:
        if now is None or not isinstance(value, datetime):
            return False
        return value >= now - timedelta(days=condition.within_days)
    if condition.equals is not None:
        wanted = _as_number(condition.equals)
        actual = _as_number(value)
        if isinstance(condition.equals, float | int) and actual is not None:
            return actual == wanted
        return _text(value) == _text(condition.equals)
    if condition.any_of is not None:
        return _text(value) in condition.folded_any_of  # each item as _text(item)
    if condition.matches is not None:
        pattern = condition.pattern  # condition.matches, compiled with re.IGNORECASE
        assert pattern is not None
        return pattern.search(str(value)) is not None
    number = _as_number(value)
    if number is None:
        return False
    if condition.between is not None:
        low, high = condition.between
        return low <= number <= high
    if condition.at_least is not None:
        return number >= condition.at_least
    if condition.below is not None:
        return number < condition.below
    return isinstance(condition, PointsRule) and condition.per_unit is not None


class RulePoints(NamedTuple):
    """What a points rule (fit criterion, property rule) gives one contact: its points before
    and after its cap, and for a per-unit rule the whole units and the value they were counted
    from (for the explanation)."""

    raw: float
    capped: float
    units: int
    value: PropertyValue | None


def rule_points(rule: PointsRule, contact: Contact, now: datetime | None) -> RulePoints | None:
    """The rule's points for this contact, or None when it does not apply: `points` when the
    condition holds; for a per-unit rule, `points` for each whole `per_unit` in the value, when
    that is at least one. Negative values count no units: "time on site" or "visits" below zero
    is a data error, not a reason for negative points."""
    if rule.per_unit is None:
        if not condition_holds(rule, contact, now):
            return None
        return RulePoints(rule.points, rule.points, 0, None)
    value = condition_value(rule, contact)
    number = _as_number(value)
    units = 0 if number is None or number <= 0 else int(number // rule.per_unit)
    if units == 0:
        return None
    raw = units * rule.points
    capped = raw if rule.cap is None else max(-rule.cap, min(rule.cap, raw))
    return RulePoints(raw, capped, units, value)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def describe(condition: Condition) -> str:
    """The condition in words, for explanations: "industry in [Software, Fintech]"."""
    field = condition.subject
    if condition.missing is not None:
        return f"{field} is {'missing' if condition.missing else 'present'}"
    if condition.is_ is not None:
        return f"{field} is {'yes' if condition.is_ else 'no'}"
    if condition.within_days is not None:
        return f"{field} within {_number(condition.within_days)} days"
    if condition.equals is not None:
        return f"{field} = {condition.equals}"
    if condition.any_of is not None:
        return f"{field} in [{', '.join(condition.any_of)}]"
    if condition.matches is not None:
        return f"{field} matches /{condition.matches}/"
    if condition.between is not None:
        return (
            f"{field} between {_number(condition.between[0])} and {_number(condition.between[1])}"
        )
    if condition.at_least is not None:
        return f"{field} >= {_number(condition.at_least)}"
    if isinstance(condition, PointsRule) and condition.per_unit is not None:
        cap = "" if condition.cap is None else f", at most {_number(condition.cap)}"
        return f"{_number(condition.points)} per {_number(condition.per_unit)} of {field}{cap}"
    return f"{field} < {_number(condition.below or 0)}"


def describe_points(rule: PointsRule, found: RulePoints) -> str:
    """What a points rule matched in one contact: its condition, or for a per-unit rule the
    arithmetic ("time_on_site 734: 12 x 1 per 60, at most 30")."""
    if rule.per_unit is None:
        return describe(rule)
    value = found.value
    shown = (
        _number(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    )
    return f"{rule.subject} {shown}: {found.units} x {describe(rule)}"
