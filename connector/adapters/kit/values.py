"""Reading a CRM's values: both CRMs hand back "" or null for an empty date, and a person can
type nonsense into a text field the mapping reads as one; a flag field set on a record is an
engagement on either CRM."""

from datetime import UTC, datetime
from typing import Any

from connector.domain.engagement import Engagement, EngagementKind
from connector.mapping.translate import parse_bool, parse_datetime, parse_number


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


def number(value: Any) -> float | None:
    """A number, None when the value is empty or none (an amount typed as "n/a")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_number(value)
    except (ValueError, TypeError):
        return None


def boolean(value: Any, default: bool = False) -> bool:
    """A yes/no value, `default` when the value is empty or not yes/no."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return parse_bool(value)
    except ValueError:
        return default


def flagged(contact_id: str, kind: EngagementKind, field: str, *dates: Any) -> list[Engagement]:
    """The engagement a set flag field stands for, dated by the first of `dates` that reads
    as one; none when no date does (an undated event cannot be decayed or placed in a window)."""
    when = moment(*dates)
    if when is None:
        return []
    return [
        Engagement(
            contact_id=contact_id, kind=kind, occurred_at=when, source_id=f"{contact_id}:{field}"
        )
    ]


def latest_of(*stamps: datetime | None) -> datetime | None:
    """The newest of the stamps that are known, None when none is."""
    return max((stamp for stamp in stamps if stamp is not None), default=None)


def utc_millis(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as both CRMs return date-times (naive counts as UTC)."""
    value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"
