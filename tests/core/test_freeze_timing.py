"""Freeze windows in time (issue 22, item 7), on fixed moments: daylight-saving gaps and folds
in Europe/Berlin, a weekly weekend window, a yearly window on 29 February, refusals of an end
not after its start, an unknown zone, a rule that would expand too far; overlapping windows
merged and the first time a release fits."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
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
    last_end,
    merged,
    moved_start,
    parse_rule,
)
from releasedesk.core.zones import zone_named

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


# --- expanding from a DTSTART moved near the span (what a check of today costs) -----------

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _drawn_rule(rng: random.Random) -> str:
    """A rule of the kinds RFC 5545 allows and dateutil derives defaults for."""
    frequency = rng.choice(("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"))
    parts = [f"FREQ={frequency}"]
    if rng.random() < 0.5:
        parts.append(f"INTERVAL={rng.randint(2, 5)}")
    if frequency != "HOURLY" and rng.random() < 0.5:
        parts.append("BYDAY=" + ",".join(rng.sample(_DAYS, rng.randint(1, 3))))
        if frequency in ("MONTHLY", "WEEKLY") and rng.random() < 0.3:
            parts.append(f"BYSETPOS={rng.choice((1, -1))}")
    elif frequency == "MONTHLY" and rng.random() < 0.5:
        parts.append(f"BYDAY={rng.choice((1, 2, -1))}{rng.choice(_DAYS)}")
    if frequency in ("MONTHLY", "YEARLY") and rng.random() < 0.3:
        parts.append(f"BYMONTHDAY={rng.choice((1, 15, 29, 30, 31, -1))}")
    if frequency == "YEARLY" and rng.random() < 0.3:
        parts.append(f"BYMONTH={rng.randint(1, 12)}")
    if frequency == "HOURLY" and rng.random() < 0.5:
        parts.append("BYMINUTE=0,30")
    if rng.random() < 0.2:
        parts.append(f"WKST={rng.choice(_DAYS)}")
    ending = rng.random()
    if ending < 0.2:
        parts.append(f"UNTIL={rng.randint(2021, 2030)}{rng.randint(1, 12):02d}15T000000")
    elif ending < 0.3:
        parts.append(f"COUNT={rng.randint(1, 300)}")
    return ";".join(parts)


def _from(text: str, dtstart: dt.datetime, low: dt.datetime, days: int) -> list[dt.datetime]:
    rule = parse_rule(text, dtstart)
    return list(
        itertools.takewhile(
            lambda d: d <= low + dt.timedelta(days=days), rule.xafter(low, inc=True)
        )
    )


def test_a_rule_moved_near_the_span_has_the_same_occurrences_there() -> None:
    rng = random.Random(22)
    moved = 0
    for _ in range(600):
        text = _drawn_rule(rng)
        start = dt.datetime(2016, 1, 1, rng.randint(0, 23), rng.choice((0, 30))) + dt.timedelta(
            days=rng.randint(0, 2000)
        )
        if rng.random() < 0.15:  # the end of a month, or 29 February
            start = start.replace(year=2020, month=rng.choice((1, 2, 3, 8)), day=29)
        low = start + dt.timedelta(days=rng.randint(0, 4000), hours=rng.randint(0, 23))
        days = 3 if "HOURLY" in text else rng.choice((1, 30, 400))
        near = moved_start(text, start, low)
        assert start <= near < low or near == start
        assert _from(text, near, low, days) == _from(text, start, low, days), (text, start, low)
        moved += near != start
    assert moved > 300  # most are moved: the test compares moved rules


def test_a_move_keeps_the_day_of_the_month_and_never_moves_a_count() -> None:
    for low in (dt.datetime(2026, month, 10) for month in range(1, 13)):
        by_months = moved_start("FREQ=MONTHLY", dt.datetime(2020, 1, 31, 22), low)
        assert by_months.day == 31 and by_months < low  # never a 30th by clamping
        by_years = moved_start("FREQ=YEARLY", dt.datetime(2020, 2, 29, 22), low)
        assert (by_years.month, by_years.day) == (2, 29)  # only to a leap year, if at all
        counted = moved_start("FREQ=DAILY;COUNT=5000", dt.datetime(2020, 1, 1, 22), low)
        assert counted == dt.datetime(2020, 1, 1, 22)  # counted from the first


def test_a_nightly_window_saved_years_ago_is_expanded_from_near_today() -> None:
    nightly = Timing(
        Recurring("FREQ=DAILY", dt.datetime(2020, 1, 1, 22), Duration.parse("PT4H")), BERLIN
    )
    day = dt.datetime(2026, 3, 29, tzinfo=UTC)  # Berlin's clocks go forward that night
    found = nightly.occurrences(day, day + dt.timedelta(days=2))
    assert [(o.start.isoformat(), o.end.isoformat()) for o in found] == [
        ("2026-03-28T21:00:00+00:00", "2026-03-29T01:00:00+00:00"),
        ("2026-03-29T20:00:00+00:00", "2026-03-30T00:00:00+00:00"),
        ("2026-03-30T20:00:00+00:00", "2026-03-31T00:00:00+00:00"),
    ]
    start = moved_start("FREQ=DAILY", dt.datetime(2020, 1, 1, 22), dt.datetime(2026, 3, 28))
    assert dt.datetime(2026, 3, 20) < start < dt.datetime(2026, 3, 28) and start.hour == 22


def test_a_far_until_or_count_is_stored_as_never_ending_without_walking_it() -> None:
    # Walking every fifth hour to 2999 took 16-25 s of the event loop; UNTIL=9999 was a 500.
    for rule in (
        "FREQ=HOURLY;INTERVAL=5;UNTIL=29991231T000000",
        "FREQ=HOURLY;INTERVAL=5;UNTIL=99991231T000000",
        "FREQ=DAILY;COUNT=40000",
    ):
        timing = recurring(rule, dt.datetime(2027, 1, 1), "PT1H")
        started = time.process_time()
        assert last_end(timing) is None, rule
        assert time.process_time() - started < 2, rule
    near = recurring("FREQ=DAILY;COUNT=5", dt.datetime(2027, 1, 1, 22), "PT1H")
    assert last_end(near) == utc(2027, 1, 5, 22)  # 23:00 Berlin, UTC+1
    until = recurring("FREQ=DAILY;UNTIL=20900101T000000", dt.datetime(2027, 1, 1, 22), "PT1H")
    assert last_end(until) == utc(2089, 12, 31, 22)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;UNTIL=20250101T000000",
    ],
)
def test_a_rule_with_no_occurrence_is_refused_quickly(rule: str) -> None:
    started = time.process_time()
    with pytest.raises(Invalid) as refused:
        recurring(rule, dt.datetime(2027, 1, 1), "PT1H")
    assert refused.value.field == "rrule" and "no occurrence" in refused.value.message
    assert time.process_time() - started < 3  # dateutil alone looks until 9999: 8 s


def test_times_near_the_datetime_bounds_are_clamped() -> None:
    timing = recurring("FREQ=DAILY", dt.datetime(2027, 1, 1, 22), "P2D")
    assert timing.occurrences(utc(9999, 12, 31), utc(9999, 12, 31, 23)) != []
    assert timing.next_occurrences(utc(9999, 12, 31, 12), 3) != []
    assert timing.occurrences(utc(1, 1, 1), utc(1, 1, 2)) == []
    assert first_fit([], utc(9999, 12, 31, 23), dt.timedelta(days=3)) == utc(9999, 12, 31, 23)


def test_a_utc_until_is_that_moment_and_a_plain_one_the_wall_clock() -> None:
    # 21:30Z on 10 January is 22:30 in Berlin: the 22:00 occurrence of that day is in.
    start = dt.datetime(2027, 1, 1, 22)
    span = (utc(2027, 1, 10), utc(2027, 1, 12))
    zulu = recurring("FREQ=DAILY;UNTIL=20270110T213000Z", start, "PT1H")
    assert [o.start for o in zulu.occurrences(*span)] == [utc(2027, 1, 10, 21)]
    before = recurring("FREQ=DAILY;UNTIL=20270110T205959Z", start, "PT1H")  # 21:59:59 there
    assert before.occurrences(*span) == []
    wall = recurring("FREQ=DAILY;UNTIL=20270110T213000", start, "PT1H")  # 21:30 there
    assert wall.occurrences(*span) == []


@pytest.mark.parametrize("text", ["P99999999999D", "PT99999999999999999999H", "P99999999999W"])
def test_a_huge_duration_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        Duration.parse(text, "within")
    assert refused.value.field == "within" and "at most a year" in refused.value.message


def test_only_iana_names_are_zones() -> None:
    for name in ("localtime", "posixrules", "/etc/localtime"):
        with pytest.raises(Invalid):
            zone_named(name)
    assert zone_named("UTC").key == "UTC"


def test_a_rule_longer_than_its_column_is_refused() -> None:
    with pytest.raises(Invalid) as refused:
        parse_rule("FREQ=DAILY;" + "BYHOUR=1;" * 120, dt.datetime(2027, 1, 1))
    assert refused.value.field == "rrule" and "1,000" in refused.value.message
