"""When a freeze window is: a one-off span or a recurring rule, in a real time zone, expanded
into occurrences in UTC. Pure: no database, no clock.

A recurring window follows RFC 5545: its DTSTART and EXDATEs are wall-clock times in the
window's IANA zone, its RRULE is expanded by python-dateutil in that wall-clock time, and each
occurrence is placed in the zone the way RFC 5545 (3.3.5) says: a time that falls in a
daylight-saving gap is read with the offset before the gap (02:30 on the last Sunday of March
in Europe/Berlin is 01:30 UTC, which is 03:30 CEST), a time that occurs twice is the first
(fold 0). A duration's days are nominal (P1D ends at the same wall-clock time the next day,
23 or 25 hours across a change), its hours, minutes and seconds exact; years and months are
refused as ambiguous, and a window lasts at most a year.

A span is expanded from the rule's DTSTART moved forward by whole cycles to just before the
span (`moved_start`: the same occurrences there), so a check of today does not generate every
occurrence since a window was first saved.

A rule is checked when it is saved: it must parse, and it may repeat at most
`MAX_OCCURRENCES` times in `RULE_HORIZON` (FREQ=SECONDLY would otherwise make every check
expand millions of occurrences); beyond that it is refused naming `rrule`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import (
    DAILY,
    HOURLY,
    MINUTELY,
    MONTHLY,
    SECONDLY,
    WEEKLY,
    YEARLY,
    rrule,
    rrulestr,
)

from releasedesk.core.errors import Invalid

UTC = dt.UTC
MAX_OCCURRENCES = 10_000  # in RULE_HORIZON: every hour of a year and then some
RULE_HORIZON = dt.timedelta(days=5 * 366)
LONGEST_WINDOW = dt.timedelta(days=366)
_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W|(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+)S)?)?)"
)


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 duration: nominal days (and weeks) and an exact remainder."""

    days: int
    exact: dt.timedelta

    @classmethod
    def parse(cls, text: str, field: str = "duration") -> Duration:
        found = _DURATION.fullmatch(text.strip().upper()) if text else None
        if found is None or text.strip().upper() in ("P", "PT") or text.upper().endswith("T"):
            raise Invalid(
                f"'{field}' must be an ISO 8601 duration in weeks, days, hours, minutes and"
                f" seconds, such as PT48H or P2DT4H, not {text!r}",
                field,
            )
        part = {k: int(v) for k, v in found.groupdict().items() if v}
        days = part.get("days", 0) + 7 * part.get("weeks", 0)
        exact = dt.timedelta(
            hours=part.get("hours", 0),
            minutes=part.get("minutes", 0),
            seconds=part.get("seconds", 0),
        )
        duration = cls(days, exact)
        if duration.longest <= dt.timedelta(0):
            raise Invalid(f"'{field}' must be longer than nothing", field)
        if duration.longest > LONGEST_WINDOW + dt.timedelta(hours=1):
            raise Invalid(f"'{field}' must be at most a year", field)
        return duration

    @property
    def longest(self) -> dt.timedelta:
        """The most it can last (a nominal day is at most 25 hours)."""
        return self.days * dt.timedelta(hours=25) + self.exact

    def text(self) -> str:
        seconds = int(self.exact.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time = "".join(
            f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n
        )
        return "P" + (f"{self.days}D" if self.days else "") + (f"T{time}" if time else "")


@dataclass(frozen=True, slots=True)
class OneOff:
    start: dt.datetime  # aware
    end: dt.datetime  # aware, after start


@dataclass(frozen=True, slots=True)
class Recurring:
    rule: str  # the RRULE's value (FREQ=WEEKLY;BYDAY=SA), without DTSTART
    dtstart: dt.datetime  # naive: wall-clock time in the window's zone
    duration: Duration
    exdates: tuple[dt.datetime, ...] = ()  # naive wall-clock starts left out


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC

    def meets(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether it overlaps the half-open span [start, end)."""
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Timing:
    """A window's time: its shape in its zone."""

    shape: OneOff | Recurring
    zone: ZoneInfo

    def occurrences(
        self, start: dt.datetime, end: dt.datetime, limit: int = MAX_OCCURRENCES
    ) -> list[Occurrence]:
        """The occurrences overlapping [start, end), in order, at most `limit`."""
        shape = self.shape
        if isinstance(shape, OneOff):
            one = Occurrence(shape.start.astimezone(UTC), shape.end.astimezone(UTC))
            return [one] if one.meets(start, end) and limit > 0 else []
        found = []
        # Starts from (start - the longest it lasts) can still reach into the span; a day
        # either side covers the zone's offset.
        low = _wall(start - shape.duration.longest, self.zone) - dt.timedelta(days=1)
        high = _wall(end, self.zone) + dt.timedelta(days=1)
        for local in _between(self.rule(low), low, high, shape.exdates):
            occurrence = self._placed(local)
            if occurrence.meets(start, end):
                found.append(occurrence)
                if len(found) >= limit:
                    break
        return found

    def next_occurrences(self, after: dt.datetime, count: int) -> list[Occurrence]:
        """The next `count` occurrences not over by `after`."""
        shape = self.shape
        if isinstance(shape, OneOff):
            return self.occurrences(after, shape.end + dt.timedelta(seconds=1), count)
        found: list[Occurrence] = []
        low = _wall(after - shape.duration.longest, self.zone) - dt.timedelta(days=1)
        for local in _after(self.rule(low), low, shape.exdates):
            occurrence = self._placed(local)
            if occurrence.end > after:
                found.append(occurrence)
                if len(found) >= count:
                    break
        return found

    def rule(self, near: dt.datetime | None = None) -> rrule:
        """The rule from its DTSTART; from a DTSTART moved whole cycles towards `near` (the
        same occurrences from `near` on) when given."""
        shape = self.shape
        assert isinstance(shape, Recurring)
        start = shape.dtstart if near is None else moved_start(shape.rule, shape.dtstart, near)
        return parse_rule(shape.rule, start)

    def _placed(self, local: dt.datetime) -> Occurrence:
        assert isinstance(self.shape, Recurring)
        duration = self.shape.duration
        start = local.replace(tzinfo=self.zone)  # fold 0: RFC 5545's reading of gaps and folds
        end_wall = (local + dt.timedelta(days=duration.days)).replace(tzinfo=self.zone)
        return Occurrence(start.astimezone(UTC), end_wall.astimezone(UTC) + duration.exact)


def zone_named(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone `name`; Invalid naming `field` for anything else."""
    try:
        if not name or name != name.strip() or ".." in name or name.startswith("/"):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"'{field}' must be an IANA time zone such as Europe/Berlin, not {name!r}", field
        ) from None


def parse_rule(text: str, dtstart: dt.datetime) -> rrule:
    """The RRULE `text` from `dtstart` (naive wall-clock); Invalid naming `rrule`."""
    cleaned = text.strip()
    if cleaned.upper().startswith("RRULE:"):
        cleaned = cleaned[6:]
    if (
        not cleaned
        or "\n" in cleaned
        or "DTSTART" in cleaned.upper()
        or "EXDATE" in cleaned.upper()
    ):
        raise Invalid(
            "'rrule' is one RRULE value such as FREQ=WEEKLY;BYDAY=SA (give dtstart and exdates"
            " apart)",
            "rrule",
        )
    try:
        rule = rrulestr(cleaned, dtstart=dtstart, ignoretz=True)
    except (ValueError, TypeError, OverflowError) as error:
        raise Invalid(f"'rrule' cannot be read: {error}", "rrule") from None
    assert isinstance(rule, rrule)
    return rule


def check(timing: Timing) -> None:
    """Refuse what cannot be saved: an end not after its start, a rule that repeats too often."""
    shape = timing.shape
    if isinstance(shape, OneOff):
        if shape.end <= shape.start:
            raise Invalid("'end' must be after 'start'", "end")
        if shape.end - shape.start > LONGEST_WINDOW:
            raise Invalid("a freeze window lasts at most a year", "end")
        return
    rule = timing.rule()
    horizon = shape.dtstart + RULE_HORIZON
    count = 0
    try:
        for local in rule:
            if local > horizon:
                break
            count += 1
            if count > MAX_OCCURRENCES:
                raise Invalid(
                    f"'rrule' repeats more than {MAX_OCCURRENCES:,} times in five years:"
                    " give it a lower frequency, an INTERVAL, a COUNT or an UNTIL",
                    "rrule",
                )
    except (ValueError, OverflowError) as error:
        raise Invalid(f"'rrule' cannot be expanded: {error}", "rrule") from None


def merged(occurrences: Iterable[Occurrence]) -> list[Occurrence]:
    """Overlapping or touching occurrences as one span each, in order."""
    spans: list[Occurrence] = []
    for each in sorted(occurrences, key=lambda o: o.start):
        if spans and each.start <= spans[-1].end:
            last = spans[-1]
            spans[-1] = Occurrence(last.start, max(last.end, each.end))
        else:
            spans.append(each)
    return spans


def first_fit(
    blocked: Sequence[Occurrence], start: dt.datetime, length: dt.timedelta
) -> dt.datetime:
    """The earliest t >= start such that [t, t + length) meets none of `blocked`."""
    at = start
    for span in merged(blocked):
        if span.end <= at:
            continue
        if at + length <= span.start:
            break
        at = span.end
    return at


# A period of each frequency: calendar months and years, exact weeks and shorter (rules are
# expanded in wall-clock time, where a day is a day); and the most days a period lasts.
_PERIOD: dict[int, relativedelta | dt.timedelta] = {
    YEARLY: relativedelta(years=1),
    MONTHLY: relativedelta(months=1),
    WEEKLY: dt.timedelta(weeks=1),
    DAILY: dt.timedelta(days=1),
    HOURLY: dt.timedelta(hours=1),
    MINUTELY: dt.timedelta(minutes=1),
    SECONDLY: dt.timedelta(seconds=1),
}
_LONGEST = {YEARLY: dt.timedelta(days=366), MONTHLY: dt.timedelta(days=31)}


_FREQUENCIES = {
    "YEARLY": YEARLY,
    "MONTHLY": MONTHLY,
    "WEEKLY": WEEKLY,
    "DAILY": DAILY,
    "HOURLY": HOURLY,
    "MINUTELY": MINUTELY,
    "SECONDLY": SECONDLY,
}


def moved_start(text: str, dtstart: dt.datetime, low: dt.datetime) -> dt.datetime:
    """A DTSTART for the rule `text` moved forward from `dtstart` by whole cycles (INTERVAL
    periods) to before `low`: the rule from there has the same occurrences from `low` on,
    without generating every one since the first (python-dateutil walks a rule from its
    DTSTART on every expansion: a nightly window saved years ago is thousands of steps
    before a check of today).

    The move keeps the periods' alignment (whole cycles) and what dateutil derives from
    DTSTART (its time, weekday, day of the month, month); a move that would change the day
    of the month (from the 29th to 31st by months, 29 February by years) is not made, nor
    is any for a rule with a COUNT, which counts from its first occurrence."""
    parts = dict(
        (p.split("=", 1)[0].strip().upper(), p.split("=", 1)[-1].strip().upper())
        for p in text.strip().upper().removeprefix("RRULE:").split(";")
    )
    frequency = _FREQUENCIES.get(parts.get("FREQ", ""))
    interval = parts.get("INTERVAL", "1")
    if frequency is None or "COUNT" in parts or not interval.isdigit() or low <= dtstart:
        return dtstart
    cycle = int(interval) or 1
    period = _LONGEST.get(frequency, _PERIOD[frequency])
    assert isinstance(period, dt.timedelta)
    cycles = (low - dtstart) // (period * cycle) - 1
    if cycles < 1:
        return dtstart
    moved: dt.datetime = dtstart + _PERIOD[frequency] * (cycle * cycles)
    if moved >= low or (frequency in _LONGEST and moved.day != dtstart.day):
        return dtstart
    return moved


def _wall(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _between(
    rule: rrule, low: dt.datetime, high: dt.datetime, exdates: Sequence[dt.datetime]
) -> Iterator[dt.datetime]:
    skipped = set(exdates)
    for local in rule.xafter(low, inc=True):
        if local > high:
            return
        if local not in skipped:
            yield local


def _after(rule: rrule, low: dt.datetime, exdates: Sequence[dt.datetime]) -> Iterator[dt.datetime]:
    skipped = set(exdates)
    for local in rule.xafter(low, inc=True):
        if local not in skipped:
            yield local
