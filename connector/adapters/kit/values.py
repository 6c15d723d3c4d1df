"""Reading a CRM's date values: both CRMs hand back "" or null for an empty date, and a
person can type nonsense into a text field the mapping reads as one."""

from datetime import datetime
from typing import Any

from connector.mapping.translate import parse_datetime


def moment(*values: Any) -> datetime | None:
    """The first of `values` that reads as a date-time (aware, UTC), None when none does: an
    empty or malformed date is no date, never a reason to fail a page."""
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            return parse_datetime(value)
        except (ValueError, TypeError, OverflowError):
            continue
    return None
