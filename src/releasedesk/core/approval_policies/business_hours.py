"""Business hours: the working time in which a policy's durations count, and the one sum
the scheduler needs, "`t` plus N business seconds". Pure: no database, no clock.

A calendar is a time zone (IANA, through zoneinfo), the weekdays worked, the daily hours
(`start` before `end`, the same wall-clock hours every working day) and holidays (dates
not worked). Opening and closing times are wall-clock times in the zone, read as RFC 5545
reads them (fold 0: a time that occurs twice is the first), so a working day across a
daylight-saving change is an hour shorter or longer in real time, as people work it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from zoneinfo import ZoneInfo

UTC = dt.UTC
# A calendar whose working time runs out this far ahead (every day of years a holiday) is
# refused when saved; the sum stops looking there rather than loop.
HORIZON_DAYS = 10 * 366


class Weekday(IntEnum):
    """RFC 5545's two-letter weekdays, numbered as `date.weekday()`."""

    MO = 0
    TU = 1
    WE = 2
    TH = 3
    FR = 4
    SA = 5
    SU = 6


@dataclass(frozen=True, slots=True)
class BusinessHours:
    zone: ZoneInfo
    days: frozenset[Weekday]
    start: dt.time
    end: dt.time
    holidays: frozenset[dt.date] = frozenset()

    @property
    def day_seconds(self) -> int:
        """The length of one working day on the wall clock, in seconds (a business day)."""
        begin = dt.datetime.combine(dt.date(2000, 1, 3), self.start)
        return int((dt.datetime.combine(begin.date(), self.end) - begin).total_seconds())

    def works_on(self, day: dt.date) -> bool:
        return Weekday(day.weekday()) in self.days and day not in self.holidays

    def add(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        """The moment `seconds` of working time after `moment` (aware). Time outside the
        hours does not count: from Friday 16:00 with 9-17 hours, two business hours end on
        Monday at 10:00. A sum that ends exactly at a closing time ends there."""
        if seconds < 0:
            raise ValueError("business seconds cannot be negative")
        left = dt.timedelta(seconds=seconds)
        moment = moment.astimezone(UTC)  # real time: sums in the zone would be wall-clock
        for opens, closes in self._spans(moment):
            begin = max(moment, opens)
            if begin >= closes:
                continue
            if left <= closes - begin:
                return begin + left
            left -= closes - begin
        raise ValueError(f"no working time within {HORIZON_DAYS} days of {moment.isoformat()}")

    def between(self, earlier: dt.datetime, later: dt.datetime) -> int:
        """The working seconds from `earlier` to `later` (0 when later is not after)."""
        total = dt.timedelta(0)
        earlier, later = earlier.astimezone(UTC), later.astimezone(UTC)
        for opens, closes in self._spans(earlier):
            if opens >= later:
                break
            begin, finish = max(earlier, opens), min(later, closes)
            if finish > begin:
                total += finish - begin
        return int(total.total_seconds())

    def has_working_time(self, moment: dt.datetime) -> bool:
        """Whether any working time lies within the horizon after `moment`."""
        return next(self._spans(moment), None) is not None

    def _spans(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Each working day's hours in UTC, from the day `moment` falls on, in order."""
        day = moment.astimezone(self.zone).date()
        for _ in range(HORIZON_DAYS):
            if self.works_on(day):
                opens = dt.datetime.combine(day, self.start, self.zone).astimezone(UTC)
                closes = dt.datetime.combine(day, self.end, self.zone).astimezone(UTC)
                if closes > opens:
                    yield opens, closes
            day += dt.timedelta(days=1)
