"""Written values: how a property's value is checked and stored, and HubSpot's date formats.

Validation errors copy HubSpot's codes and messages: `PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`
("v was not one of the allowed options: [...]"), `INVALID_LONG` ("v was not a valid long.", what
HubSpot answers for a bad datetime). Datetimes are stored as epoch ms, everything else as the
string HubSpot returns; "" or null clears a property (HubSpot's documented way).
"""

from __future__ import annotations

import math
import re
import sys
from datetime import UTC, date, datetime

from connector.sandbox.hubspot.schema import PropertyDef


class InvalidValue(Exception):
    """A value a property refuses; carries HubSpot's validation code and message."""

    def __init__(self, name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.code = code
        self.message = message


_INTERNABLE_MAX = 48
_DIGITS = re.compile(r"^-?\d+$")


def format_datetime(ms: int) -> str:
    """Epoch milliseconds as HubSpot writes datetimes: `2019-10-30T03:30:17.883Z`."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def datetime_to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp() * 1000 + 0.5)


def parse_datetime_ms(raw: str) -> int | None:
    """Epoch milliseconds or ISO 8601 (date, or date-time with an offset) to epoch ms."""
    text = raw.strip()
    if _DIGITS.match(text):
        return int(text)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
        return datetime_to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def as_text(raw: object) -> str:
    """A JSON scalar as the text HubSpot reads it as (`true`, `5` for 5.0)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def normalize_value(definition: PropertyDef, raw: object) -> str | int | None:
    """The stored form of `raw` for `definition`; None clears. Raises InvalidValue."""
    if raw is None:
        return None
    text = as_text(raw)
    if text == "":
        return None
    kind = definition.type
    if kind in ("datetime", "date"):
        ms = parse_datetime_ms(text)
        if ms is None:
            raise InvalidValue(definition.name, "INVALID_LONG", f"{text} was not a valid long.")
        return ms if kind == "datetime" else format_datetime(ms)[:10]
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            # The code HubSpot uses for a non-numeric number is not documented; this one is ours.
            raise InvalidValue(definition.name, "INVALID_FLOAT", f"{text} was not a valid number.")
        return sys.intern(as_text(number) if not isinstance(raw, str) else text.strip())
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise _invalid_option(definition, text)
        return text.lower()
    if kind == "enumeration":
        if definition.external_options:  # e.g. hubspot_owner_id: owners, checked by the caller
            return sys.intern(text)
        parts = text.split(";") if definition.multi_valued else [text]
        canonical: list[str] = []
        for part in parts:
            value = definition.canonical_option(part.strip())
            if value is None:
                raise _invalid_option(definition, part)
            canonical.append(value)
        return sys.intern(";".join(canonical))
    return sys.intern(text) if len(text) <= _INTERNABLE_MAX else text


def _invalid_option(definition: PropertyDef, text: str) -> InvalidValue:
    labels = ", ".join(option.label for option in definition.options)
    return InvalidValue(
        definition.name, "INVALID_OPTION", f"{text} was not one of the allowed options: [{labels}]"
    )
