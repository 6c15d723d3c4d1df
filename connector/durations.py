"""One form for every duration setting: a number of seconds, given as seconds or ISO 8601.

Settings used to mix forms (`HUBSPOT_INCREMENTAL_OVERLAP_SECONDS=300` next to
`SALESFORCE_OVERLAP=PT5M`), so a user had to know which setting took which. Every duration
setting is now a `Seconds` field whose name ends in `_SECONDS` and which accepts both forms:
`300`, `2.5` or an ISO 8601 duration such as `PT5M`, `PT1H30M` or `P1D` (parsed by pydantic's
own timedelta parser). The value the code reads is a float of seconds — what `time.sleep`,
requests' timeouts and tenacity take.

Years and months (`P1Y`, `P1M`) are refused: they have no fixed length in seconds.
"""

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
    """The declaration of a setting's old name, kept for one deprecation cycle: read from the
    environment and .env (so `adopt_deprecated` can carry it over), left out of dumps, and
    bounded like the new name (`gt=0` or `ge=0`)."""
    return Field(default=None, deprecated=f"{old_env}: use {new_env}", exclude=True, gt=gt, ge=ge)


def adopt_deprecated(
    settings: BaseModel, renamed: Mapping[str, tuple[str, float]], prefix: str
) -> None:
    """Carry values given under old setting names over to their new names, with a warning.

    `renamed` maps an old field name to the new field name and the factor that turns the old
    unit into seconds (60 for a setting that was in minutes). The old fields stay declared
    (with `deprecated=`) so pydantic-settings still reads them from the environment and .env
    for one deprecation cycle; call this from a `mode="after"` model validator. A value given
    under the new name wins over one under the old.
    """
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
