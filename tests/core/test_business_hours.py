"""Business hours arithmetic (core/approval_policies/business_hours.py): "t plus N business
seconds" in a real time zone, skipping nights, weekends and holidays; checked by example
and by properties over random calendars, moments and amounts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from releasedesk.core.approval_policies.business_hours import BusinessHours, Weekday
from releasedesk.core.approval_policies.service import HoursSpec, business_hours
from releasedesk.core.approval_policies.views import hours_json, hours_of
from releasedesk.core.errors import Invalid

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = frozenset({Weekday.MO, Weekday.TU, Weekday.WE, Weekday.TH, Weekday.FR})
OFFICE = BusinessHours(BERLIN, WEEK, dt.time(9), dt.time(17), frozenset({dt.date(2026, 12, 24)}))
HOUR = 3600


def berlin(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=BERLIN)  # type: ignore[misc]


def test_time_after_closing_counts_from_the_next_working_morning() -> None:
    friday_four = berlin(2026, 12, 4, 16)
    assert OFFICE.add(friday_four, 2 * HOUR) == berlin(2026, 12, 7, 10)  # Monday 10:00
    assert OFFICE.add(berlin(2026, 12, 5, 12), 1) == berlin(2026, 12, 7, 9, 0, 1)  # Saturday


def test_a_sum_ending_at_closing_time_ends_there() -> None:
    assert OFFICE.add(berlin(2026, 12, 7, 9), 8 * HOUR) == berlin(2026, 12, 7, 17)


def test_holidays_are_skipped_and_three_business_days_are_three_working_days() -> None:
    wednesday = berlin(2026, 12, 23, 10)
    # 24th a holiday, 25th Friday, then Monday 28th: three days of eight hours
    assert OFFICE.add(wednesday, 3 * OFFICE.day_seconds) == berlin(2026, 12, 29, 10)


def test_a_working_day_across_the_clock_change_is_an_hour_shorter_in_real_time() -> None:
    night_shift = BusinessHours(BERLIN, frozenset(Weekday), dt.time(0), dt.time(4))
    # 29 March 2026: clocks go 02:00 -> 03:00, so that day holds 3 real hours
    assert night_shift.between(berlin(2026, 3, 29, 0), berlin(2026, 3, 30, 0)) == 3 * HOUR
    assert night_shift.add(berlin(2026, 3, 29, 0), 3 * HOUR) == berlin(2026, 3, 29, 4)


def test_a_calendar_is_checked_naming_each_field() -> None:
    for spec, field in (
        (HoursSpec(timezone="Mars/Olympus"), "business_hours.timezone"),
        (HoursSpec(days=("MO", "XX")), "business_hours.days"),
        (HoursSpec(days=()), "business_hours.days"),
        (HoursSpec(start="9am"), "business_hours.start"),
        (HoursSpec(start="17:00", end="09:00"), "business_hours.end"),
        (HoursSpec(holidays=("24.12.2026",)), "business_hours.holidays"),
    ):
        try:
            business_hours(spec)
        except Invalid as error:
            assert error.field == field, (spec, error.field)
        else:
            raise AssertionError(f"{spec} was accepted")


def test_a_calendar_round_trips_through_its_json() -> None:
    made = business_hours(
        HoursSpec("Europe/Berlin", ("MO", "FR"), "08:30", "16:15", ("2026-12-24",))
    )
    assert hours_of(hours_json(made)) == made


calendars = st.builds(
    BusinessHours,
    zone=st.sampled_from([ZoneInfo("UTC"), BERLIN, ZoneInfo("America/New_York")]),
    days=st.frozensets(st.sampled_from(list(Weekday)), min_size=1),
    start=st.sampled_from([dt.time(0), dt.time(8), dt.time(9, 30)]),
    end=st.sampled_from([dt.time(12), dt.time(17), dt.time(23, 59)]),
    holidays=st.frozensets(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), max_size=20),
)
moments = st.datetimes(
    dt.datetime(2026, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)
)
# at most 480 working hours: twice that fits the horizon even at 2.5 hours one day a week
amounts = st.integers(min_value=1, max_value=20 * 24 * HOUR)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, amounts)
def test_adding_n_business_seconds_leaves_exactly_n_business_seconds_between(
    hours: BusinessHours, start: dt.datetime, seconds: int
) -> None:
    end = hours.add(start, seconds)
    assert end > start
    assert hours.between(start, end) == seconds
    local = end.astimezone(hours.zone)
    assert hours.works_on(local.date())  # it ends inside a working day's hours
    assert hours.start <= local.time().replace(fold=0) <= hours.end or local.time() == dt.time(0)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, amounts, amounts)
def test_sums_add_up(hours: BusinessHours, start: dt.datetime, first: int, second: int) -> None:
    assert hours.add(hours.add(start, first), second) == hours.add(start, first + second)


@settings(max_examples=100, deadline=None)
@given(calendars, moments, amounts, amounts)
def test_more_business_time_never_ends_earlier(
    hours: BusinessHours, start: dt.datetime, first: int, second: int
) -> None:
    low, high = sorted((first, second))
    assert hours.add(start, low) <= hours.add(start, high)


def test_a_duration_longer_than_the_calendar_holds_is_refused_when_saved() -> None:
    from releasedesk.core.approval_policies.service import fits

    mondays = BusinessHours(BERLIN, frozenset({Weekday.MO}), dt.time(9), dt.time(10))
    try:
        fits(mondays, 366 * 24 * HOUR, "timeout.after", berlin(2026, 12, 7, 9))
    except Invalid as error:
        assert error.field == "timeout.after"
    else:
        raise AssertionError("8,784 working hours of Monday mornings were accepted")
    fits(mondays, 100 * HOUR, "timeout.after", berlin(2026, 12, 7, 9))  # two years: fine
