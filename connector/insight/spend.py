"""The `--spend` file (CSV `source,period,amount`: a lead source of the rules' vocabulary, a month
2026-11 or a day 2026-11-18, an amount >= 0) for cost per MQL and SQL. Every bad row is reported
at once as `file:line: what to write instead`; nothing is computed from a half-read file."""

import calendar
import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

from connector.domain.contact import LeadSource

COLUMNS = ("source", "period", "amount")
SOURCES = tuple(source.value for source in LeadSource)


class SpendError(Exception):
    """The spend file cannot be used; `problems` are its `file:line: message` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _last_day(text: str) -> date:
    """A month's (YYYY-MM) last day, or a day (YYYY-MM-DD) itself."""
    if len(text) == 7:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, calendar.monthrange(year, month)[1])
    return date.fromisoformat(text)


def read_spend(path: Path, since: date | None) -> dict[str, float]:
    """Total spend per source over the periods that reach into the report's period (from
    `since`), or SpendError naming each bad line of the file."""
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
    totals: dict[str, float] = defaultdict(float)
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
            last = _last_day(period)
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
        if since is None or last >= since:
            totals[source.casefold()] += value
    if problems:
        raise SpendError(problems)
    return dict(totals)
