"""One form for every duration setting (`*_SECONDS`): a float of seconds, as `time.sleep`,
requests and tenacity take it, given as `300`, `2.5` or ISO 8601 (`PT5M`, `P1D`, by pydantic's
timedelta parser), so a user need not know which setting takes which. Years and months have no
fixed length and are refused."""

import contextlib
import re
import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# the date part of an ISO 8601 duration (before any "T") naming years or months
_CALENDAR = re.compile(r"^P[^T]*[YM]", re.IGNORECASE)
_TIMEDELTA = TypeAdapter(timedelta)
_HINT = "give seconds (300) or an ISO 8601 duration (PT5M)"


def to_seconds(value: object) -> float:
    """`value` (seconds as a number or text, an ISO 8601 duration, a timedelta) in seconds."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    # True is an int to Python, never a duration to a user
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = value.strip() if isinstance(value, str) else ""
    if _NUMBER.match(text):
        return float(text)
    if _CALENDAR.match(text):
        raise ValueError(
            f"{value!r}: years and months have no fixed length; use days (P30D) or seconds"
        )
    if text[:1].upper() == "P":
        with contextlib.suppress(ValueError):
            return _TIMEDELTA.validate_python(text.upper()).total_seconds()
    raise ValueError(f"{value!r} is not a duration: {_HINT}")


Seconds = Annotated[float, BeforeValidator(to_seconds)]
"""A duration setting: seconds as a float, given as `300`, `2.5`, `PT5M` or `P1D`."""


def old_name(
    old_env: str, new_env: str, *, gt: float | None = None, ge: float | None = None
) -> Any:
    """A setting's old name for one deprecation cycle: read from the environment (for
    `adopt_deprecated`), left out of dumps, bounded like the new name."""
    return Field(default=None, deprecated=f"{old_env}: use {new_env}", exclude=True, gt=gt, ge=ge)


def adopt_deprecated(
    settings: BaseModel, renamed: Mapping[str, tuple[str, float]], prefix: str
) -> None:
    """Carry values under old setting names to the new ones, with a warning (call from a
    `mode="after"` validator). `renamed`: old field -> (new field, factor to seconds); a value
    under the new name wins."""
    given = settings.model_fields_set
    for old, (new, factor) in renamed.items():
        if old not in given:
            continue
        old_env, new_env = f"{prefix}{old}".upper(), f"{prefix}{new}".upper()
        warnings.warn(
            f"{old_env} is deprecated and will be removed: set {new_env} instead ({_HINT})",
            FutureWarning,
            stacklevel=2,
        )
        value = settings.__dict__[old]  # (not getattr: that warns again, as a DeprecationWarning)
        if new not in given and value is not None:
            if value < 0:
                raise ValueError(f"{old_env} must not be negative")
            settings.__dict__[new] = value * factor
