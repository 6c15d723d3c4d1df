"""Conversions between the store's compact representations and the wire formats.

The store keeps datetimes as epoch milliseconds and dates as epoch days (so a million records fit
in arrays of machine integers); the REST API writes datetimes as `2013-05-20T20:49:32.000+0000`
and dates as `2013-05-20` (the formats in Salesforce's REST examples); Bulk API 2.0 CSV uses the
same text forms with null as an empty field.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connector.sandbox.salesforce.schema import FieldDef, Kind

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = date(1970, 1, 1)


class ValueFormatError(ValueError):
    """A JSON value that cannot be stored in a field of the given type."""

    def __init__(self, field: FieldDef, value: Any, expected: str) -> None:
        super().__init__(f"{field.name}: cannot store {value!r} as {expected}")
        self.field = field
        self.value = value
        self.expected = expected


def datetime_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def date_to_days(value: date) -> int:
    return (value - _EPOCH_DATE).days


def days_to_date(days: int) -> date:
    return _EPOCH_DATE + timedelta(days=days)


def format_datetime(ms: int) -> str:
    """Salesforce's REST datetime format: millisecond precision and a +0000 offset."""
    moment = ms_to_datetime(ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def format_date(days: int) -> str:
    return days_to_date(days).isoformat()


def parse_datetime_text(text: str) -> datetime:
    """Parse the ISO 8601 forms clients send: `Z`, `+hh:mm` or `+hhmm`, optional fraction."""
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    if len(candidate) >= 5 and candidate[-5] in "+-" and candidate[-4:].isdigit():
        candidate = candidate[:-2] + ":" + candidate[-2:]
    parsed = datetime.fromisoformat(candidate)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def to_stored(field: FieldDef, value: Any) -> Any:
    """Convert a JSON value written by a client into the store's representation (None = null).

    Raises ValueFormatError when the value does not fit the field's type; the caller turns it
    into Salesforce's JSON_PARSER_ERROR answer.
    """
    if value is None:
        return None
    kind = field.kind
    if kind is Kind.TEXT:
        if isinstance(value, bool | dict | list):
            raise ValueFormatError(field, value, "string")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        return text if text != "" else None
    if kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueFormatError(field, value, "boolean")
    if kind is Kind.INT:
        return _to_number(field, value, integral=True)
    if kind is Kind.FLOAT:
        return _to_number(field, value, integral=False)
    if kind is Kind.DATETIME:
        if isinstance(value, datetime):
            return datetime_to_ms(value)
        if not isinstance(value, str):
            raise ValueFormatError(field, value, "datetime")
        try:
            return datetime_to_ms(parse_datetime_text(value))
        except ValueError as exc:
            raise ValueFormatError(field, value, "datetime") from exc
    if kind is Kind.DATE:
        if isinstance(value, datetime):
            return date_to_days(value.date())
        if isinstance(value, date):
            return date_to_days(value)
        if not isinstance(value, str):
            raise ValueFormatError(field, value, "date")
        try:
            return date_to_days(date.fromisoformat(value.strip()[:10]))
        except ValueError as exc:
            raise ValueFormatError(field, value, "date") from exc
    raise AssertionError(kind)


def _to_number(field: FieldDef, value: Any, *, integral: bool) -> int | float:
    expected = "int" if integral else "double"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueFormatError(field, value, expected)
    if isinstance(value, str):
        try:
            value = float(value) if not integral else int(value)
        except ValueError as exc:
            raise ValueFormatError(field, value, expected) from exc
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise ValueFormatError(field, value, expected)
    if integral:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueFormatError(field, value, expected)
            value = int(value)
        return value
    return float(value)


def to_json(field: FieldDef, stored: Any) -> Any:
    """The JSON value the REST API answers for a stored value."""
    if stored is None:
        return None
    kind = field.kind
    if kind is Kind.DATETIME:
        return format_datetime(stored)
    if kind is Kind.DATE:
        return format_date(stored)
    if kind is Kind.FLOAT:
        return float(stored)
    return stored


def to_csv_text(field: FieldDef, stored: Any) -> str:
    """A Bulk API 2.0 CSV cell (before quoting)."""
    if stored is None:
        return ""
    kind = field.kind
    if kind is Kind.BOOL:
        return "true" if stored else "false"
    if kind is Kind.FLOAT:
        as_float = float(stored)
        return str(int(as_float)) if as_float.is_integer() else repr(as_float)
    value = to_json(field, stored)
    return str(value)
