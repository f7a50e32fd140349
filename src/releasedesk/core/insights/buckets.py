"""Cutting a range into buckets on a zone's wall clock, and reducing durations to one figure
(pure).

A bucket is a real local day, ISO week (Monday to Monday) or month of the zone, so a day
across a DST change is 23 or 25 hours long; the first and last are cut to the range asked.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import statistics
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from releasedesk.core.errors import Invalid
from releasedesk.core.insights.views import Aggregation, Interval
from releasedesk.core.zones import zone_named

MAX_BUCKETS = 1000
FIRST_YEAR, LAST_YEAR = 1970, 2999  # far from datetime's ends in every zone's offset


def zone(name: str, field: str = "tz") -> ZoneInfo:
    """An IANA zone by its name (Europe/Berlin, UTC); anything else refused naming `field`."""
    return zone_named(name, field)


def instant(text: str, where: ZoneInfo, field: str) -> dt.datetime:
    """A date (its local midnight in `where`), a local date-time, or an RFC 3339 date-time
    with an offset, as an aware UTC datetime."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return _bounded(_midnight(day, where), field)
        parsed = dt.datetime.fromisoformat(value)
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:  # before shifting it out of range
            return _bounded(parsed, field)
    except (ValueError, OverflowError):
        raise Invalid(
            f"'{field}' must be a date (2026-03-01) or an RFC 3339 date-time"
            f" (2026-03-01T00:00:00+01:00), not {text[:40]!r}",
            field,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=where)
    return _bounded(parsed.astimezone(dt.UTC), field)


def _bounded(moment: dt.datetime, field: str) -> dt.datetime:
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise Invalid(f"'{field}' must lie between {FIRST_YEAR} and {LAST_YEAR}", field)
    return moment


def _midnight(day: dt.date, where: ZoneInfo) -> dt.datetime:
    """The first instant of a local day (a midnight in a gap reads with the offset before,
    which lands on the first wall-clock time that exists)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=where).astimezone(dt.UTC)


def _floor(day: dt.date, interval: Interval) -> dt.date:
    if interval is Interval.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def _next(day: dt.date, interval: Interval) -> dt.date:
    if interval is Interval.WEEK:
        return day + dt.timedelta(days=7)
    if interval is Interval.MONTH:
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=1)


def bounds(
    start: dt.datetime, end: dt.datetime, interval: Interval, where: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The buckets of [start, end): (start, end) pairs in UTC, in order, covering it."""
    if end <= start:
        raise Invalid("'to' must come after 'from'", "to")
    if interval is Interval.ALL:
        return [(start, end)]
    found: list[tuple[dt.datetime, dt.datetime]] = []
    day = _floor(start.astimezone(where).date(), interval)
    while True:
        following = _next(day, interval)
        edge = _midnight(following, where)
        found.append((max(start, _midnight(day, where)), min(end, edge)))
        if edge >= end:
            return found
        if len(found) >= MAX_BUCKETS:
            raise Invalid(
                f"At most {MAX_BUCKETS} buckets: a longer 'interval' or a shorter range",
                "interval",
            )
        day = following


def place(moment: dt.datetime, starts: Sequence[dt.datetime]) -> int:
    """The index of the bucket `moment` falls in, given the buckets' starts (it is known to
    lie in the range)."""
    return bisect.bisect_right(starts, moment) - 1


def aggregate(samples: Sequence[float], how: Aggregation) -> float | None:
    """Median, mean or the 90th percentile (nearest rank: the smallest sample at or above
    90 % of them) of the samples; None when there are none."""
    if not samples:
        return None
    if how is Aggregation.MEAN:
        return statistics.fmean(samples)
    if how is Aggregation.MEDIAN:
        return float(statistics.median(samples))
    ordered = sorted(samples)
    return float(ordered[math.ceil(0.9 * len(ordered)) - 1])
