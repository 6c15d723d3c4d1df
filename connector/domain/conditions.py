"""Evaluating a rule condition against a contact — shared by fit criteria, disqualifiers and
routing territories so that "industry in [...]" means the same thing everywhere."""

from connector.domain.contact import Contact
from connector.domain.policy import Condition, FitField


def field_value(contact: Contact, field: FitField) -> str | float | None:
    """The contact's value for a rule field; company attributes come from its company, and
    geography falls back to the company's when the person has none."""
    company = contact.company
    match field:
        case FitField.INDUSTRY:
            return (company.industry if company else None) or contact.industry
        case FitField.EMPLOYEES:
            return company.employees if company else None
        case FitField.ANNUAL_REVENUE:
            return company.annual_revenue if company else None
        case FitField.COUNTRY:
            return contact.country or (company.country if company else None)
        case FitField.REGION:
            return contact.region or (company.region if company else None)
        case FitField.JOB_TITLE:
            return contact.job_title
        case FitField.SENIORITY:
            return contact.seniority
        case FitField.DECISION_ROLE:
            return contact.decision_role
        case FitField.EMAIL_DOMAIN:
            return contact.email_domain
        case FitField.SOURCE:
            return contact.source.value if contact.source else None


def _as_number(value: str | float | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return None


def _text(value: str | float) -> str:
    return str(value).strip().casefold()


def condition_holds(condition: Condition, contact: Contact) -> bool:
    """True when the contact satisfies the condition; a missing value satisfies only `missing`."""
    value = field_value(contact, condition.field)
    if condition.missing is not None:
        is_missing = value is None or (isinstance(value, str) and not value.strip())
        return is_missing == condition.missing
    if value is None:
        return False
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
    return False


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def describe(condition: Condition) -> str:
    """The condition in words, for explanations: "industry in [Software, Fintech]"."""
    field = condition.field.value
    if condition.missing is not None:
        return f"{field} is {'missing' if condition.missing else 'present'}"
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
    return f"{field} < {_number(condition.below or 0)}"
