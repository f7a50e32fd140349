"""The DORA buckets and aggregations, pure: real local days, weeks and months of a zone
(23- and 25-hour days at Berlin's DST changes), the range's ends cut in, the refusals."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from releasedesk.core.errors import Invalid
from releasedesk.core.insights.buckets import aggregate, bounds, instant, zone
from releasedesk.core.insights.views import Aggregation, Interval

BERLIN = ZoneInfo("Europe/Berlin")


def hours(pairs: list[tuple[dt.datetime, dt.datetime]]) -> list[float]:
    return [(end - start).total_seconds() / 3600 for start, end in pairs]


def test_days_across_both_changes_are_local_days() -> None:
    spring = bounds(
        instant("2026-03-28", BERLIN, "from"),
        instant("2026-03-31", BERLIN, "to"),
        Interval.DAY,
        BERLIN,
    )
    assert hours(spring) == [24, 23, 24]
    autumn = bounds(
        instant("2026-10-24", BERLIN, "from"),
        instant("2026-10-27", BERLIN, "to"),
        Interval.DAY,
        BERLIN,
    )
    assert hours(autumn) == [24, 25, 24]


def test_weeks_and_months_cut_to_the_range() -> None:
    start = instant("2026-03-04T12:00", BERLIN, "from")  # a Wednesday noon
    end = instant("2026-04-08", BERLIN, "to")
    weeks = bounds(start, end, Interval.WEEK, BERLIN)
    assert weeks[0][0] == start  # cut in: not Monday's midnight
    assert weeks[1][0] == dt.datetime(2026, 3, 8, 23, tzinfo=dt.UTC)  # Monday 9 March
    assert weeks[-1] == (dt.datetime(2026, 4, 5, 22, tzinfo=dt.UTC), end)
    months = bounds(start, end, Interval.MONTH, BERLIN)
    assert [m[0].astimezone(BERLIN).isoformat() for m in months] == [
        "2026-03-04T12:00:00+01:00",
        "2026-04-01T00:00:00+02:00",
    ]
    assert bounds(start, end, Interval.ALL, BERLIN) == [(start, end)]


def test_refusals_name_their_parameter() -> None:
    with pytest.raises(Invalid) as bad_zone:
        zone("Europe/Atlantis")
    assert bad_zone.value.field == "tz"
    with pytest.raises(Invalid) as bad_time:
        instant("next tuesday", BERLIN, "from")
    assert bad_time.value.field == "from"
    with pytest.raises(Invalid) as too_many:
        bounds(
            instant("2020-01-01", BERLIN, "from"),
            instant("2026-01-01", BERLIN, "to"),
            Interval.DAY,
            BERLIN,
        )
    assert too_many.value.field == "interval"


def test_mean_median_and_p90_on_a_skewed_sample() -> None:
    skewed = [24.0, 36.0, 768.0]
    assert aggregate(skewed, Aggregation.MEDIAN) == 36
    assert aggregate(skewed, Aggregation.MEAN) == 276
    assert aggregate(skewed, Aggregation.P90) == 768  # nearest rank: ceil(2.7) = 3rd
    assert aggregate([float(n) for n in range(1, 11)], Aggregation.P90) == 9
    assert aggregate([], Aggregation.MEAN) is None
