"""SLA due times in business hours: weekends, holidays, after-hours starts, DST, edges."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.business_hours import (
    SEARCH_LIMIT_DAYS,
    add_business_minutes,
    is_within_business_hours,
)
from connector.domain.policy import BusinessHours, Weekday

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC_HOURS = BusinessHours()  # Mon-Fri 09:00-17:00 UTC
BERLIN_HOURS = BusinessHours(time_zone="Europe/Berlin")
EVERY_DAY = tuple(Weekday)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 2024-01-08 is a Monday.


class TestAddBusinessMinutes:
    def test_within_hours_adds_plainly(self):
        assert add_business_minutes(utc(2024, 1, 8, 10), 60, UTC_HOURS) == utc(2024, 1, 8, 11)

    def test_before_opening_starts_counting_at_opening(self):
        assert add_business_minutes(utc(2024, 1, 8, 7), 30, UTC_HOURS) == utc(2024, 1, 8, 9, 30)

    def test_after_closing_starts_next_morning(self):
        assert add_business_minutes(utc(2024, 1, 8, 18), 60, UTC_HOURS) == utc(2024, 1, 9, 10)

    def test_weekend_start_waits_for_monday(self):
        assert add_business_minutes(utc(2024, 1, 6, 12), 60, UTC_HOURS) == utc(2024, 1, 8, 10)

    def test_friday_afternoon_rolls_over_the_weekend(self):
        assert add_business_minutes(utc(2024, 1, 5, 16, 30), 60, UTC_HOURS) == utc(
            2024, 1, 8, 9, 30
        )

    def test_holiday_is_skipped(self):
        hours = BusinessHours(holidays=(date(2024, 1, 8),))
        assert add_business_minutes(utc(2024, 1, 5, 16, 30), 60, hours) == utc(2024, 1, 9, 9, 30)

    def test_start_on_a_holiday_waits_for_the_next_working_day(self):
        hours = BusinessHours(holidays=(date(2024, 1, 8), date(2024, 1, 9)))
        assert add_business_minutes(utc(2024, 1, 8, 10), 15, hours) == utc(2024, 1, 10, 9, 15)

    def test_multi_day_sla(self):
        # 24 business hours from Friday 16:00: 1 h Friday, 8 h Monday, 8 h Tuesday, 7 h Wednesday.
        assert add_business_minutes(utc(2024, 1, 5, 16), 24 * 60, UTC_HOURS) == utc(2024, 1, 10, 16)

    def test_landing_exactly_at_closing_stays_at_closing(self):
        assert add_business_minutes(utc(2024, 1, 8, 16), 60, UTC_HOURS) == utc(2024, 1, 8, 17)

    def test_a_full_day_from_opening_ends_at_closing(self):
        assert add_business_minutes(utc(2024, 1, 8, 9), 8 * 60, UTC_HOURS) == utc(2024, 1, 8, 17)

    def test_one_minute_past_closing_goes_to_next_morning(self):
        assert add_business_minutes(utc(2024, 1, 8, 16), 61, UTC_HOURS) == utc(2024, 1, 9, 9, 1)

    def test_start_at_closing_with_zero_minutes_stays(self):
        assert add_business_minutes(utc(2024, 1, 8, 17), 0, UTC_HOURS) == utc(2024, 1, 8, 17)

    def test_start_at_closing_counts_from_next_opening(self):
        assert add_business_minutes(utc(2024, 1, 8, 17), 1, UTC_HOURS) == utc(2024, 1, 9, 9, 1)

    def test_zero_minutes_outside_hours_is_the_next_opening(self):
        assert add_business_minutes(utc(2024, 1, 6, 12), 0, UTC_HOURS) == utc(2024, 1, 8, 9)

    def test_hours_are_counted_in_the_configured_zone(self):
        # 08:30 UTC on a winter Monday is 09:30 in Berlin.
        assert add_business_minutes(utc(2024, 1, 8, 8, 30), 60, BERLIN_HOURS) == utc(
            2024, 1, 8, 9, 30
        )

    def test_holidays_are_dates_in_the_configured_zone(self):
        # Monday 2024-01-08 00:30 Berlin is still Sunday 23:30 UTC; the Berlin holiday applies.
        hours = BusinessHours(time_zone="Europe/Berlin", holidays=(date(2024, 1, 8),))
        start = datetime(2024, 1, 8, 0, 30, tzinfo=BERLIN)
        assert add_business_minutes(start, 60, hours) == datetime(2024, 1, 9, 10, tzinfo=BERLIN)

    def test_result_is_utc_whatever_the_input_zone(self):
        start = datetime(2024, 1, 8, 10, tzinfo=NEW_YORK)
        due = add_business_minutes(start, 60, UTC_HOURS)
        assert due.tzinfo is UTC
        assert due == utc(2024, 1, 8, 16)

    def test_time_zone_of_start_does_not_change_the_result(self):
        start = utc(2024, 1, 5, 16, 30)
        assert add_business_minutes(start.astimezone(NEW_YORK), 90, BERLIN_HOURS) == (
            add_business_minutes(start, 90, BERLIN_HOURS)
        )


class TestDaylightSavingTime:
    def test_berlin_spring_forward_over_the_weekend(self):
        # Fri 2024-03-29 16:30 CET (+01:00); Mon 2024-04-01 is CEST (+02:00).
        start = datetime(2024, 3, 29, 16, 30, tzinfo=BERLIN)
        due = add_business_minutes(start, 60, BERLIN_HOURS)
        assert due == utc(2024, 4, 1, 7, 30)
        assert due.astimezone(BERLIN).time() == time(9, 30)

    def test_berlin_fall_back_over_the_weekend(self):
        # Fri 2024-10-25 16:30 CEST (+02:00); Mon 2024-10-28 is CET (+01:00).
        start = datetime(2024, 10, 25, 16, 30, tzinfo=BERLIN)
        due = add_business_minutes(start, 60, BERLIN_HOURS)
        assert due == utc(2024, 10, 28, 8, 30)
        assert due.astimezone(BERLIN).time() == time(9, 30)

    def test_new_york_spring_forward(self):
        hours = BusinessHours(time_zone="America/New_York")
        start = datetime(2024, 3, 8, 16, 30, tzinfo=NEW_YORK)  # Fri, EST
        assert add_business_minutes(start, 60, hours) == utc(2024, 3, 11, 13, 30)  # Mon, EDT

    def test_window_across_spring_forward_holds_two_real_hours(self):
        # 01:00-04:00 wall clock on 2024-03-31 in Berlin skips 02:00-03:00: 2 real hours.
        hours = BusinessHours(time_zone="Europe/Berlin", days=EVERY_DAY, start=time(1), end=time(4))
        opening = datetime(2024, 3, 31, 1, tzinfo=BERLIN)
        assert add_business_minutes(opening, 120, hours) == datetime(2024, 3, 31, 4, tzinfo=BERLIN)
        assert add_business_minutes(opening, 150, hours) == datetime(
            2024, 4, 1, 1, 30, tzinfo=BERLIN
        )

    def test_window_across_fall_back_holds_four_real_hours(self):
        # 01:00-04:00 wall clock on 2024-10-27 in Berlin repeats 02:00-03:00: 4 real hours.
        hours = BusinessHours(time_zone="Europe/Berlin", days=EVERY_DAY, start=time(1), end=time(4))
        opening = datetime(2024, 10, 27, 1, tzinfo=BERLIN)
        assert add_business_minutes(opening, 240, hours) == datetime(2024, 10, 27, 4, tzinfo=BERLIN)
        assert add_business_minutes(opening, 241, hours) == datetime(
            2024, 10, 28, 1, 1, tzinfo=BERLIN
        )

    def test_opening_inside_the_skipped_hour_moves_past_the_gap(self):
        # 02:30 does not exist on 2024-03-31 in Berlin; fold=0 reads it as 03:30 CEST.
        hours = BusinessHours(
            time_zone="Europe/Berlin", days=EVERY_DAY, start=time(2, 30), end=time(5)
        )
        start = datetime(2024, 3, 31, 0, tzinfo=BERLIN)
        assert add_business_minutes(start, 0, hours) == datetime(2024, 3, 31, 3, 30, tzinfo=BERLIN)
        assert add_business_minutes(start, 90, hours) == datetime(2024, 3, 31, 5, tzinfo=BERLIN)


class TestErrors:
    def test_naive_start_is_refused(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_minutes(datetime(2024, 1, 8, 10), 60, UTC_HOURS)

    def test_negative_minutes_are_refused(self):
        with pytest.raises(ValueError, match="zero or more"):
            add_business_minutes(utc(2024, 1, 8, 10), -1, UTC_HOURS)

    def test_unreachable_working_day_raises_instead_of_looping(self):
        mondays = tuple(date(2024, 1, 1) + timedelta(weeks=week) for week in range(4 * 53))
        hours = BusinessHours(days=(Weekday.MON,), holidays=mondays)
        with pytest.raises(ValueError, match="no working day"):
            add_business_minutes(utc(2024, 1, 1, 10), 60, hours)

    def test_a_distant_but_reachable_working_day_is_found(self):
        mondays_2024 = tuple(date(2024, 1, 1) + timedelta(weeks=week) for week in range(53))
        hours = BusinessHours(days=(Weekday.MON,), holidays=mondays_2024)
        assert mondays_2024[-1] == date(2024, 12, 30)
        assert add_business_minutes(utc(2024, 1, 1, 10), 60, hours) == utc(2025, 1, 6, 10)

    def test_search_limit_is_about_three_years(self):
        assert 3 * 365 <= SEARCH_LIMIT_DAYS <= 3 * 366 + 1

    def test_naive_moment_is_refused_by_is_within_business_hours(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            is_within_business_hours(datetime(2024, 1, 8, 10), UTC_HOURS)


class TestIsWithinAndNextOpening:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (utc(2024, 1, 8, 9), True),  # opening, inclusive
            (utc(2024, 1, 8, 12), True),
            (utc(2024, 1, 8, 17), True),  # closing, inclusive
            (utc(2024, 1, 8, 17, 0, 1), False),
            (utc(2024, 1, 8, 8, 59, 59), False),
            (utc(2024, 1, 6, 12), False),  # Saturday
        ],
    )
    def test_is_within_business_hours(self, moment: datetime, expected: bool):
        assert is_within_business_hours(moment, UTC_HOURS) is expected

    def test_holiday_is_not_within_business_hours(self):
        hours = BusinessHours(holidays=(date(2024, 1, 8),))
        assert not is_within_business_hours(utc(2024, 1, 8, 12), hours)

    def test_is_within_uses_the_configured_zone(self):
        # 16:30 UTC in winter is 17:30 in Berlin: closed.
        assert not is_within_business_hours(utc(2024, 1, 8, 16, 30), BERLIN_HOURS)
        assert is_within_business_hours(utc(2024, 1, 8, 15, 30), BERLIN_HOURS)

    def test_next_opening_inside_hours_is_the_moment_itself(self):
        moment = datetime(2024, 1, 8, 11, tzinfo=BERLIN)
        opened = add_business_minutes(moment, 0, BERLIN_HOURS)
        assert opened == moment
        assert opened.tzinfo is UTC

    def test_next_opening_after_hours_is_next_working_morning(self):
        assert add_business_minutes(utc(2024, 1, 5, 18), 0, UTC_HOURS) == utc(2024, 1, 8, 9)

    def test_next_opening_at_closing_is_closing(self):
        assert add_business_minutes(utc(2024, 1, 8, 17), 0, UTC_HOURS) == utc(2024, 1, 8, 17)


# --- properties -----------------------------------------------------------------------------------

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")


@st.composite
def business_hours(draw: st.DrawFn) -> BusinessHours:
    start_hour = draw(st.integers(0, 22))
    end_hour = draw(st.integers(start_hour + 1, 23))
    return BusinessHours(
        time_zone=draw(st.sampled_from(ZONES)),
        days=tuple(draw(st.sets(st.sampled_from(list(Weekday)), min_size=1))),
        start=time(start_hour, draw(st.sampled_from((0, 30)))),
        end=time(end_hour, draw(st.sampled_from((0, 15, 59)))),
        holidays=tuple(draw(st.lists(st.dates(date(2023, 1, 1), date(2027, 12, 31)), max_size=15))),
    )


starts = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
sla_minutes = st.integers(0, 5_000)


@settings(max_examples=150, deadline=None)
@given(hours=business_hours(), start=starts, minutes=sla_minutes)
def test_due_time_is_within_business_hours_and_not_before_start(
    hours: BusinessHours, start: datetime, minutes: int
):
    due = add_business_minutes(start, minutes, hours)
    assert due.tzinfo is UTC
    assert due >= start
    assert is_within_business_hours(due, hours)


@settings(max_examples=100, deadline=None)
@given(hours=business_hours(), start=starts, minutes=sla_minutes, more=sla_minutes)
def test_more_minutes_never_give_an_earlier_due_time(
    hours: BusinessHours, start: datetime, minutes: int, more: int
):
    assert add_business_minutes(start, minutes + more, hours) >= add_business_minutes(
        start, minutes, hours
    )


@settings(max_examples=50, deadline=None)
@given(hours=business_hours(), start=starts, minutes=sla_minutes)
def test_same_input_gives_same_output(hours: BusinessHours, start: datetime, minutes: int):
    assert add_business_minutes(start, minutes, hours) == add_business_minutes(
        start, minutes, hours.model_copy()
    )


@settings(max_examples=100, deadline=None)
@given(hours=business_hours(), start=starts)
def test_next_opening_is_within_hours_and_not_before(hours: BusinessHours, start: datetime):
    opened = add_business_minutes(start, 0, hours)
    assert opened >= start
    assert is_within_business_hours(opened, hours)
    assert is_within_business_hours(start, hours) == (opened == start)
