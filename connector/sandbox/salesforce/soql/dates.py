"""SOQL date literals (TODAY, LAST_N_DAYS:n, ...) as half-open ranges, and literal conversion.

Each date literal "is a range of time beginning at midnight (00:00:00)"; `=` matches inside the
range, `<` before its start, `>` after its end (SOQL and SOSL Reference, "Date Formats and Date
Literals"). Salesforce evaluates them in the querying user's time zone; the sandbox user's zone is
UTC. Weeks start on Sunday (the en_US locale).
"""

from __future__ import annotations

from datetime import date, timedelta

from connector.sandbox.salesforce.schema import Kind
from connector.sandbox.salesforce.soql.ast import Literal, LiteralKind
from connector.sandbox.salesforce.values import (
    date_to_days,
    datetime_to_ms,
    ms_to_datetime,
    parse_datetime_text,
)

_DAY_MS = 86_400_000


def _month_start(day: date, shift: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + shift
    return date(month_index // 12, month_index % 12 + 1, 1)


def date_literal_days(word: str, amount: int | None, today: date) -> tuple[date, date]:
    """The [start, end) days a date literal covers, relative to `today`."""
    one = timedelta(days=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)
    n = amount or 0
    ranges: dict[str, tuple[date, date]] = {
        "YESTERDAY": (today - one, today),
        "TODAY": (today, today + one),
        "TOMORROW": (today + one, today + 2 * one),
        "LAST_WEEK": (week_start - 7 * one, week_start),
        "THIS_WEEK": (week_start, week_start + 7 * one),
        "NEXT_WEEK": (week_start + 7 * one, week_start + 14 * one),
        "LAST_MONTH": (_month_start(today, -1), _month_start(today, 0)),
        "THIS_MONTH": (_month_start(today, 0), _month_start(today, 1)),
        "NEXT_MONTH": (_month_start(today, 1), _month_start(today, 2)),
        "LAST_90_DAYS": (today - 90 * one, today + one),
        "NEXT_90_DAYS": (today + one, today + 91 * one),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_N_DAYS": (today - n * one, today + one),
        "NEXT_N_DAYS": (today + one, today + (n + 1) * one),
        "N_DAYS_AGO": (today - n * one, today - (n - 1) * one),
    }
    return ranges[word]


def date_literal_range(word: str, amount: int | None, kind: Kind, now_ms: int) -> tuple[int, int]:
    """The literal's range in the store's representation for a date or datetime field."""
    start, end = date_literal_days(word, amount, ms_to_datetime(now_ms).date())
    if kind is Kind.DATE:
        return date_to_days(start), date_to_days(end)
    return date_to_days(start) * _DAY_MS, date_to_days(end) * _DAY_MS


def literal_stored(literal: Literal, kind: Kind) -> object:
    """A type-checked literal in the store's representation."""
    if literal.kind is LiteralKind.DATE:
        return date_to_days(date.fromisoformat(str(literal.value)))
    if literal.kind is LiteralKind.DATETIME:
        return datetime_to_ms(parse_datetime_text(str(literal.value)))
    if literal.kind is LiteralKind.NUMBER and kind is Kind.FLOAT:
        return float(literal.value)  # type: ignore[arg-type]
    return literal.value
