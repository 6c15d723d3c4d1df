"""Conversions between the store's compact forms - datetimes as epoch ms, dates as epoch days, so
a million records fit in machine-integer arrays - and the wire: the REST API's
`2013-05-20T20:49:32.000+0000` and `2013-05-20`, and Bulk API 2.0 CSV (the same text, null
empty)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.schema import KIND_NAMES, FieldDef, Kind

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = date(1970, 1, 1)


def datetime_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(milliseconds=1)


def date_to_days(value: date) -> int:
    return (value - _EPOCH_DATE).days


def format_datetime(ms: int) -> str:
    """Salesforce's REST datetime format: millisecond precision and a +0000 offset."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def parse_datetime_text(text: str) -> datetime:
    """Parse the ISO 8601 forms clients send (`Z`, `+hh:mm` or `+hhmm`, optional fraction);
    no offset means UTC."""
    parsed = datetime.fromisoformat(text.strip().upper())
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def to_stored(field: FieldDef, value: Any) -> Any:
    """Convert a JSON value written by a client into the store's representation (None = null),
    or raise the JSON_PARSER_ERROR Salesforce answers for a value that does not fit the type."""
    if value is None:
        return None
    try:
        return CONVERTERS[field.kind](value)
    except (TypeError, ValueError) as exc:
        token = "VALUE_STRING" if isinstance(value, str) else "VALUE_NUMBER_INT"
        if isinstance(value, bool):
            token = "VALUE_TRUE" if value else "VALUE_FALSE"
        java_type = KIND_NAMES[field.kind][0]
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {java_type} from {token} value {value} or request may "
            "be missing a required field",
        ) from exc


def _text(value: Any) -> str | None:
    if isinstance(value, bool | dict | list):
        raise TypeError(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value) or None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(value)


def _number(value: Any, integral: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    number = (int if integral else float)(value) if isinstance(value, str) else value
    if isinstance(number, float) and (
        not math.isfinite(number) or (integral and not number.is_integer())
    ):
        raise ValueError(value)
    return int(number) if integral else float(number)


def _text_only(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


#: How a value a client sends (in JSON, or as a SOQL literal) becomes the stored form, by kind.
CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _text,
    Kind.BOOL: _bool,
    Kind.INT: lambda value: _number(value, integral=True),
    Kind.FLOAT: lambda value: _number(value, integral=False),
    Kind.DATETIME: lambda value: datetime_to_ms(parse_datetime_text(_text_only(value))),
    Kind.DATE: lambda value: date_to_days(date.fromisoformat(_text_only(value).strip()[:10])),
}


def to_json(field: FieldDef, stored: Any) -> Any:
    """The JSON value the REST API answers for a stored value."""
    if stored is None:
        return None
    kind = field.kind
    if kind is Kind.DATETIME:
        return format_datetime(stored)
    if kind is Kind.DATE:
        return (_EPOCH_DATE + timedelta(days=stored)).isoformat()
    if kind is Kind.FLOAT:
        return float(stored)
    return stored


def to_csv_text(field: FieldDef, stored: Any) -> str:
    """A Bulk API 2.0 CSV cell of a non-null value (before quoting)."""
    if field.kind is Kind.BOOL:
        return "true" if stored else "false"
    if field.kind is Kind.FLOAT:
        as_float = float(stored)
        return str(int(as_float)) if as_float.is_integer() else repr(as_float)
    return str(to_json(field, stored))
