"""Freeze windows in time (issue 22, item 7), on fixed moments: daylight-saving gaps and folds
in Europe/Berlin, a weekly weekend window, a yearly window on 29 February, refusals of an end
not after its start, an unknown zone, a rule that would expand too far; overlapping windows
merged and the first time a release fits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from releasedesk.core.errors import Invalid
from releasedesk.core.freezes.timing import (
    MAX_OCCURRENCES,
    Duration,
    Occurrence,
    OneOff,
    Recurring,
    Timing,
    check,
    first_fit,
    merged,
    zone_named,
)

pytestmark = pytest.mark.one_database  # nothing here depends on the database

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def recurring(
    rule: str,
    start: dt.datetime,
    duration: str,
    zone: ZoneInfo = BERLIN,
    exdates: tuple[dt.datetime, ...] = (),
) -> Timing:
    timing = Timing(Recurring(rule, start, Duration.parse(duration), exdates), zone)
    check(timing)
    return timing


def test_a_start_in_the_spring_gap_is_read_with_the_offset_before_it() -> None:
    # 02:30 does not exist in Berlin on 2027-03-28 (clocks go 02:00 -> 03:00).
    timing = recurring("FREQ=YEARLY", dt.datetime(2027, 3, 28, 2, 30), "PT1H")
    (first,) = timing.occurrences(utc(2027, 3, 27), utc(2027, 3, 29))
    assert first.start == utc(2027, 3, 28, 1, 30)  # +01:00 before the gap: 03:30 CEST
    assert first.end == utc(2027, 3, 28, 2, 30)


def test_a_start_in_the_autumn_fold_is_the_first_of_the_two() -> None:
    # 02:30 happens twice in Berlin on 2027-10-31: first at +02:00, then at +01:00.
    timing = recurring("FREQ=YEARLY", dt.datetime(2027, 10, 31, 2, 30), "PT1H")
    (first,) = timing.occurrences(utc(2027, 10, 30), utc(2027, 11, 1))
    assert first.start == utc(2027, 10, 31, 0, 30)


def test_nominal_days_follow_the_wall_clock_across_a_change() -> None:
    # From Saturday 10:00 to Monday 10:00 over the spring change: 47 hours, not 48.
    days = recurring("FREQ=YEARLY", dt.datetime(2027, 3, 27, 10, 0), "P2D")
    (span,) = days.occurrences(utc(2027, 3, 26), utc(2027, 3, 30))
    assert span.end - span.start == dt.timedelta(hours=47)
    hours = recurring("FREQ=YEARLY", dt.datetime(2027, 3, 27, 10, 0), "PT48H")
    (exact,) = hours.occurrences(utc(2027, 3, 26), utc(2027, 3, 30))
    assert exact.end - exact.start == dt.timedelta(hours=48)


def test_a_weekly_weekend_window_with_an_exdate() -> None:
    # Every Saturday 00:00 for 48 hours, from 2026-12-05, but not 2026-12-19.
    timing = recurring(
        "FREQ=WEEKLY;BYDAY=SA",
        dt.datetime(2026, 12, 5),
        "PT48H",
        exdates=(dt.datetime(2026, 12, 19),),
    )
    spans = timing.occurrences(utc(2026, 12, 1), utc(2027, 1, 1))
    starts = [s.start.astimezone(BERLIN).date().isoformat() for s in spans]
    assert starts == ["2026-12-05", "2026-12-12", "2026-12-26"]
    assert all(s.end - s.start == dt.timedelta(hours=48) for s in spans)
    # A Sunday noon is inside; a Monday noon is not.
    assert timing.occurrences(utc(2026, 12, 13, 11), utc(2026, 12, 13, 12))
    assert not timing.occurrences(utc(2026, 12, 14, 11), utc(2026, 12, 14, 12))
    # A span that began before the asked range still counts when it reaches into it.
    assert timing.occurrences(utc(2026, 12, 6, 20), utc(2026, 12, 6, 21))[0].start == spans[0].start


def test_next_occurrences_skip_the_finished_ones() -> None:
    timing = recurring("FREQ=WEEKLY;BYDAY=SA", dt.datetime(2026, 12, 5), "PT48H")
    nxt = timing.next_occurrences(utc(2026, 12, 13, 12), 2)
    assert [o.start.astimezone(BERLIN).day for o in nxt] == [12, 19]  # the current one first


def test_a_yearly_window_on_29_february_comes_in_leap_years_only() -> None:
    timing = recurring("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", dt.datetime(2024, 2, 29, 0, 0), "P1D")
    years = [
        o.start.astimezone(BERLIN).year
        for o in timing.occurrences(utc(2024, 1, 1), utc(2033, 1, 1))
    ]
    assert years == [2024, 2028, 2032]


def test_an_end_not_after_its_start_is_refused() -> None:
    for end in (utc(2027, 1, 1), utc(2026, 12, 31)):
        with pytest.raises(Invalid) as refused:
            check(Timing(OneOff(utc(2027, 1, 1), end), BERLIN))
        assert refused.value.field == "end"


def test_an_unknown_time_zone_is_refused() -> None:
    for name in ("Mars/Olympus", "", "../etc/passwd", "Europe/Berlin "):
        with pytest.raises(Invalid) as refused:
            zone_named(name)
        assert refused.value.field == "timezone"
    assert zone_named("America/New_York").key == "America/New_York"


def test_a_rule_that_would_expand_too_far_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        recurring("FREQ=SECONDLY", dt.datetime(2027, 1, 1), "PT1S")
    assert refused.value.field == "rrule"
    assert f"{MAX_OCCURRENCES:,}" in refused.value.message
    recurring("FREQ=HOURLY;COUNT=50", dt.datetime(2027, 1, 1), "PT30M")  # bounded: fine


@pytest.mark.parametrize(
    "rule",
    ["", "FREQ=NEVER", "DTSTART:20270101T000000\nRRULE:FREQ=DAILY", "FREQ=DAILY;EXDATE=20270101"],
)
def test_a_rule_that_cannot_be_read_is_refused(rule: str) -> None:
    with pytest.raises(Invalid) as refused:
        recurring(rule, dt.datetime(2027, 1, 1), "PT1H")
    assert refused.value.field == "rrule"


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "1H", "P1Y", "P1M", "PT0S", "P400D", "-PT1H", "PT1.5H"]
)
def test_durations_outside_weeks_to_seconds_are_refused(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        Duration.parse(text)
    assert refused.value.field == "duration"


def test_durations_read_and_written() -> None:
    assert Duration.parse("PT48H").text() == "PT48H"
    assert Duration.parse("P2DT4H30M").text() == "P2DT4H30M"
    assert Duration.parse("P1W") == Duration(7, dt.timedelta(0))


def test_overlapping_windows_merge_and_a_release_fits_after_them() -> None:
    a = Occurrence(utc(2027, 1, 1, 0), utc(2027, 1, 1, 6))
    b = Occurrence(utc(2027, 1, 1, 4), utc(2027, 1, 1, 10))
    c = Occurrence(utc(2027, 1, 1, 12), utc(2027, 1, 1, 14))
    assert merged([c, b, a]) == [Occurrence(a.start, b.end), c]
    four_hours = dt.timedelta(hours=4)
    # 10:00-14:00 would meet c; the first 4 hours free begin at 14:00.
    assert first_fit([a, b, c], utc(2027, 1, 1, 2), four_hours) == utc(2027, 1, 1, 14)
    # 2 hours fit between 10:00 and 12:00 (half-open spans: ending at 12:00 meets nothing).
    assert first_fit([a, b, c], utc(2027, 1, 1, 2), dt.timedelta(hours=2)) == utc(2027, 1, 1, 10)
    assert first_fit([a, b, c], utc(2026, 12, 31), four_hours) == utc(2026, 12, 31)
