"""The `--spend` file (CSV `source,period,amount`: a lead source of the rules' vocabulary, a month
2026-11 or a day 2026-11-18, an amount >= 0) for cost per MQL and SQL. Every bad row is reported
at once as `file:line: what to write instead`; nothing is computed from a half-read file."""

import calendar
import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from connector.domain.contact import LeadSource

COLUMNS = ("source", "period", "amount")
SOURCES = tuple(source.value for source in LeadSource)


class SpendError(Exception):
    """The spend file cannot be used; `problems` are its `file:line: message` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class SpendRow(BaseModel):
    source: str
    first_day: date
    last_day: date
    amount: float


def _period(text: str) -> tuple[date, date]:
    """A month (YYYY-MM) as its first and last day, or a day (YYYY-MM-DD) as itself."""
    if len(text) == 7:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
        return first, date(year, month, calendar.monthrange(year, month)[1])
    day = date.fromisoformat(text)
    return day, day


def read_spend(path: Path) -> list[SpendRow]:
    """Every row of the file, or SpendError naming each bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpendError(
            [f"{path}: cannot read it ({type(exc).__name__}): check the path"]
        ) from None
    reader = csv.reader(text.splitlines())
    header = [cell.strip().casefold() for cell in next(reader, [])]
    if tuple(header) != COLUMNS:
        got = ",".join(header) or "nothing"
        raise SpendError([f"{path}:1: the header must be {','.join(COLUMNS)}, got {got}"])
    rows: list[SpendRow] = []
    problems: list[str] = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{path}:{line}"
        if len(cells) != len(COLUMNS):
            problems.append(f"{where}: expected 3 values (source,period,amount), got {len(cells)}")
            continue
        source, period, amount = (cell.strip() for cell in cells)
        if source.casefold() not in SOURCES:
            problems.append(f"{where}: source {source!r} is not one of {', '.join(SOURCES)}")
            continue
        try:
            first, last = _period(period)
        except ValueError:
            problems.append(
                f"{where}: period {period!r} is not a month (2026-11) or a day (2026-11-18)"
            )
            continue
        try:
            value = float(amount)
        except ValueError:
            value = float("nan")
        if not value >= 0 or value == float("inf"):
            problems.append(
                f"{where}: amount {amount!r} must be a number of 0 or more (no currency sign)"
            )
            continue
        rows.append(
            SpendRow(source=source.casefold(), first_day=first, last_day=last, amount=value)
        )
    if problems:
        raise SpendError(problems)
    return rows


def spend_by_source(rows: list[SpendRow], since: date | None) -> dict[str, float]:
    """Total spend per source over the periods that reach into the report's period."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        if since is None or row.last_day >= since:
            totals[row.source] += row.amount
    return dict(totals)
