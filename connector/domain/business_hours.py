"""SLA arithmetic in business hours: "follow up within one business hour" on a Friday at 16:30
means Monday morning, not Friday evening.

Working windows are defined on the wall clock of `BusinessHours.time_zone` (09:00-17:00 local,
whatever the UTC offset is that day) and turned into absolute instants with zoneinfo, so DST
changes move the windows correctly. Minutes are then counted as real elapsed time inside those
windows: a window that itself spans a DST change (say 01:00-04:00 on the night the clocks
change) holds the time that really passes in it. Wall-clock times that do not exist (the skipped
hour in spring) resolve with `fold=0`, i.e. with the offset in force before the change, which
moves them forward past the gap; ambiguous ones (the repeated hour in autumn) take their first
occurrence.

All functions are pure: they take the moment to start from and never read the clock.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from connector.domain.policy import BusinessHours

SEARCH_LIMIT_DAYS = 3 * 366
"""How many consecutive days without a working window we tolerate before calling the
configuration unreachable (every working day a holiday, for years) instead of looping forever."""

Window = tuple[datetime, datetime]


def _require_aware(moment: datetime, what: str) -> None:
    """Naive datetimes are ambiguous across time zones; refusing them beats guessing UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")


def _is_working_day(day: date, hours: BusinessHours) -> bool:
    """A configured weekday that is not a holiday (holidays are dates in the hours' zone)."""
    return day.weekday() in {weekday.number for weekday in hours.days} and (
        day not in hours.holidays
    )


def _instant(day: date, wall_clock: time, hours: BusinessHours) -> datetime:
    """The UTC instant of a wall-clock time on a local date; see the module docstring for gaps
    and folds."""
    naive = datetime.combine(day, wall_clock.replace(tzinfo=None))
    return naive.replace(tzinfo=hours.zone, fold=0).astimezone(UTC)


def _window(day: date, hours: BusinessHours) -> Window | None:
    """The [open, close] instants of a local date, or None when it is not a working day."""
    if not _is_working_day(day, hours):
        return None
    return _instant(day, hours.start, hours), _instant(day, hours.end, hours)


def _local_date(moment: datetime, hours: BusinessHours) -> date:
    return moment.astimezone(hours.zone).date()


def _windows_from(day: date, hours: BusinessHours) -> Iterator[Window]:
    """Working windows in order from a local date on, without end, but refusing to search more
    than `SEARCH_LIMIT_DAYS` consecutive days for the next one."""
    idle_days = 0
    while True:
        window = _window(day, hours)
        if window is None:
            idle_days += 1
            if idle_days > SEARCH_LIMIT_DAYS:
                raise ValueError(
                    f"business hours have no working day within {SEARCH_LIMIT_DAYS} days after "
                    f"{day - timedelta(days=idle_days - 1)}: check `days` and `holidays`"
                )
        else:
            idle_days = 0
            yield window
        day += timedelta(days=1)


def _windows_reaching(moment: datetime, hours: BusinessHours) -> Iterator[Window]:
    """Working windows that close at or after `moment`, in order. Starts a day early because a
    window whose closing time falls into a DST gap can end after its own local date."""
    first_day = _local_date(moment, hours) - timedelta(days=1)
    for window in _windows_from(first_day, hours):
        if window[1] >= moment:
            yield window


def is_within_business_hours(moment: datetime, hours: BusinessHours) -> bool:
    """True when `moment` lies in a working window, opening and closing instants included
    (a task due at 17:00 sharp is due within business hours)."""
    _require_aware(moment, "moment")
    day = _local_date(moment, hours)
    for offset in (-1, 0, 1):
        window = _window(day + timedelta(days=offset), hours)
        if window is not None and window[0] <= moment <= window[1]:
            return True
    return False


def add_business_minutes(start: datetime, minutes: int, hours: BusinessHours) -> datetime:
    """The instant, in UTC, at which `minutes` of business time have passed since `start`.

    A start outside business hours begins counting at the next opening. A result that lands
    exactly on a closing time stays there instead of moving to the next opening, so a one-hour
    SLA started at 16:00 is due at 17:00 the same day. Zero minutes yields the next opening
    (or `start` itself during business hours).

    Raises:
        ValueError: when `start` is naive, `minutes` is negative, or no working day is
            reachable (see `SEARCH_LIMIT_DAYS`).
    """
    _require_aware(start, "start")
    if minutes < 0:
        raise ValueError(f"minutes must be zero or more, got {minutes}")
    cursor = start.astimezone(UTC)
    remaining = timedelta(minutes=minutes)
    for opening, closing in _windows_reaching(cursor, hours):
        begin = max(opening, cursor)
        available = closing - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable: _windows_reaching never ends without raising")
