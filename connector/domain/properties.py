"""Any CRM property as a rule input: the types a mapped property may have and which rule
operators make sense for each.

The CRM files map a shared property name (lower_snake_case, e.g. `time_on_site`) to each CRM's
own property or field and declare its type; the adapters fill `Contact.properties` with the
parsed values, and fit criteria, disqualifiers and `scoring.properties` rules name it with
`property:`. Keeping the type table here (in the domain) lets the offline validator refuse
"`matches` on a number" before a sync ever runs, for every CRM alike.
"""

from datetime import datetime
from enum import StrEnum

#: What a mapped property holds once read: numbers as float, dates as aware UTC datetimes,
#: booleans as bool, text and picklist values as trimmed strings.
PropertyValue = str | float | bool | datetime


class PropertyType(StrEnum):
    """The declared type of a mapped property (`type:` in a CRM file's `properties`)."""

    NUMBER = "number"
    TEXT = "text"
    PICKLIST = "picklist"
    DATE = "date"
    BOOL = "bool"


#: Rule operators (as written in rules.yaml) that can be applied to each property type.
#: `missing` works on every type; `per_unit` gives points per unit of a number (with `cap`).
OPERATORS: dict[PropertyType, frozenset[str]] = {
    PropertyType.NUMBER: frozenset(
        {"equals", "between", "at_least", "below", "per_unit", "missing"}
    ),
    PropertyType.TEXT: frozenset({"equals", "in", "matches", "missing"}),
    PropertyType.PICKLIST: frozenset({"equals", "in", "matches", "missing"}),
    PropertyType.DATE: frozenset({"within_days", "missing"}),
    PropertyType.BOOL: frozenset({"is", "missing"}),
}
