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
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

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
from releasedesk.core.limits import EARLIEST_YEAR, LATEST_YEAR, MAX_DURATION_TEXT

UTC = dt.UTC
MAX_OCCURRENCES = 10_000  # in RULE_HORIZON: every hour of a year and then some
RULE_HORIZON = dt.timedelta(days=5 * 366)
LONGEST_WINDOW = dt.timedelta(days=366)
# How far from its DTSTART a rule's last occurrence is looked for when it is saved; one
# ending later, or after more than MAX_OCCURRENCES, is stored as never ending (`last_end`
# None: every check expands it over the span asked, which is always correct).
LAST_END_HORIZON = relativedelta(years=100)
MAX_RRULE_TEXT = 1000  # the column's length
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
        if len(text) > MAX_DURATION_TEXT:
            raise Invalid(
                f"'{field}' is at most {MAX_DURATION_TEXT} characters, and at most a year", field
            )
        part = {k: int(v) for k, v in found.groupdict().items() if v}
        days = part.get("days", 0) + 7 * part.get("weeks", 0)
        seconds = 3600 * part.get("hours", 0) + 60 * part.get("minutes", 0)
        seconds += part.get("seconds", 0)
        # Weighed in whole numbers before any timedelta is made (P99999999999D overflows one).
        longest = days * 25 * 3600 + seconds
        if longest <= 0:
            raise Invalid(f"'{field}' must be longer than nothing", field)
        if longest > (LONGEST_WINDOW + dt.timedelta(hours=1)).total_seconds():
            raise Invalid(
                f"'{field}' must be at most a year ({LONGEST_WINDOW.days} days), not {text!r}",
                field,
            )
        return cls(days, dt.timedelta(seconds=seconds))

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
        low = shifted(_wall(shifted(start, -shape.duration.longest), self.zone), -_DAY)
        high = shifted(_wall(end, self.zone), _DAY)
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
            return self.occurrences(after, shifted(shape.end, dt.timedelta(seconds=1)), count)
        found: list[Occurrence] = []
        low = shifted(_wall(shifted(after, -shape.duration.longest), self.zone), -_DAY)
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
        return parse_rule(shape.rule, start, self.zone)

    def _placed(self, local: dt.datetime) -> Occurrence:
        assert isinstance(self.shape, Recurring)
        duration = self.shape.duration
        start = local.replace(tzinfo=self.zone)  # fold 0: RFC 5545's reading of gaps and folds
        end_wall = shifted(local, dt.timedelta(days=duration.days)).replace(tzinfo=self.zone)
        return Occurrence(_utc(start), shifted(_utc(end_wall), duration.exact))


def within_years(moment: dt.datetime, field: str) -> dt.datetime:
    """`moment` when its year is from EARLIEST_YEAR to LATEST_YEAR (core/limits.py), read
    as written; Invalid naming `field` otherwise (a time in year 9999 or 1 overflows once
    an offset or a span is added to it)."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise Invalid(
            f"'{field}' must fall in the years {EARLIEST_YEAR} to {LATEST_YEAR},"
            f" not {moment.isoformat()}",
            field,
        )
    return moment


def parse_rule(text: str, dtstart: dt.datetime, zone: ZoneInfo | None = None) -> rrule:
    """The RRULE `text` from `dtstart` (naive wall-clock in `zone`); Invalid naming `rrule`.
    An UNTIL in UTC (ending in Z) is that moment (RFC 5545 3.3.10), read on `zone`'s wall
    clock the rule is expanded in; any other UNTIL is already a wall-clock time."""
    if len(text) > MAX_RRULE_TEXT:
        raise Invalid(f"'rrule' is at most {MAX_RRULE_TEXT:,} characters", "rrule")
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
    if zone is not None:
        cleaned = _UTC_UNTIL.sub(lambda m: _until_on_wall(m, zone), cleaned)
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
    if not _happens(rule, shape.dtstart + RULE_HORIZON):
        raise Invalid(
            "'rrule' has no occurrence in the five years from 'dtstart' (a day no month has,"
            " COUNT=0, an UNTIL before it): give it one that happens",
            "rrule",
        )
    count = 0
    try:
        for _ in _bounded(rule, shape.dtstart + RULE_HORIZON):
            count += 1
            if count > MAX_OCCURRENCES:
                raise Invalid(
                    f"'rrule' repeats more than {MAX_OCCURRENCES:,} times in five years:"
                    " give it a lower frequency, an INTERVAL, a COUNT or an UNTIL",
                    "rrule",
                )
    except (ValueError, OverflowError) as error:
        raise Invalid(f"'rrule' cannot be expanded: {error}", "rrule") from None


def _happens(rule: rrule, by: dt.datetime) -> bool:
    """Whether `rule` has an occurrence up to `by`. dateutil looks for a next occurrence up
    to year 9999 whatever the UNTIL (8 s for FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31), so the rule
    is asked from its DTSTART moved whole 400-year Gregorian cycles (the same weekdays and
    leap days) to within 400 years of 9999, and the answer moved back."""
    if _parsed(rule, "count") == 0:
        return False
    start = _parsed(rule, "dtstart")
    cycles = (dt.MAXYEAR - 6 - start.year) // 400
    probe = rule.replace(dtstart=start.replace(year=start.year + 400 * cycles), until=None)
    probes = [probe.replace(count=None)]
    if _parsed(rule, "freq") > DAILY:
        # Its days are those the same rule by days has: asked first, as dateutil walks an
        # hourly rule with no day at all hour by hour (3 s for 400 years).
        probes.insert(0, probe.replace(count=None, freq=DAILY, interval=1, bysetpos=None))
    try:
        for each in probes:
            first = next(iter(each), None)
            if first is None:
                return False
    except (ValueError, OverflowError):
        return False
    assert first is not None
    if first is None:
        return False
    first = first.replace(year=first.year - 400 * cycles)
    until = _parsed(rule, "until")
    return first <= (by if until is None else min(until, by))


def last_end(timing: Timing) -> dt.datetime | None:
    """When a recurring window's last occurrence ends, for a rule with a COUNT or an UNTIL;
    None for one that never ends, or whose last occurrence lies more than LAST_END_HORIZON
    from its DTSTART or after more than MAX_OCCURRENCES (stored as never ending, which every
    check reads correctly; walking HOURLY to the year 2999 took 20 s of the event loop)."""
    shape = timing.shape
    assert isinstance(shape, Recurring)
    parts = {p.split("=", 1)[0].strip().upper() for p in shape.rule.split(";")}
    if not parts & {"COUNT", "UNTIL"}:
        return None  # it never ends
    cap = shifted(shape.dtstart, LAST_END_HORIZON)
    until = _parsed(timing.rule(), "until")  # the UNTIL on the wall clock, parsed
    if until is not None and until > cap:
        return None
    skipped = set(shape.exdates)
    last = None
    # An UNTIL's rule is walked from a DTSTART moved near its end (moved_start); a COUNT's
    # counts from its first occurrence, so from there, at most MAX_OCCURRENCES steps.
    near = timing.rule(shifted(until, -RULE_HORIZON)) if until is not None else timing.rule()
    for walked, local in enumerate(_bounded(near, cap), 1):
        if walked > MAX_OCCURRENCES:
            return None
        if local not in skipped:
            last = local
    if last is None:
        return None  # every one left out near the end: never ending is always safe
    return timing._placed(last).end


def _parsed(rule: rrule, part: str) -> Any:
    """What dateutil read of the rule (`count`, `until`, `dtstart`, `freq`): it keeps them
    in attributes of its own and offers no reader."""
    return getattr(rule, f"_{part}")


def _bounded(rule: rrule, until: dt.datetime) -> Iterator[dt.datetime]:
    """The rule's occurrences up to `until`, without dateutil's search up to year 9999 for
    a next one that never comes."""
    own = _parsed(rule, "until")
    if _parsed(rule, "count") is None:
        yield from rule.replace(until=until if own is None else min(own, until))
        return
    # COUNT counts from the first occurrence: the first COUNT of those up to `until`.
    yield from itertools.islice(rule.replace(count=None, until=until), _parsed(rule, "count"))


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
        if shifted(at, length) <= span.start:
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


_DAY = dt.timedelta(days=1)
_UTC_UNTIL = re.compile(r"(?i)(?<![A-Z])UNTIL=(\d{8}T\d{6})Z")


def _until_on_wall(found: re.Match[str], zone: ZoneInfo) -> str:
    try:
        moment = dt.datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return found.group(0)  # dateutil names what is wrong with it
    return "UNTIL=" + _wall(moment, zone).strftime("%Y%m%dT%H%M%S")


def _wall(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`moment` on `zone`'s wall clock; the first or last datetime when it falls outside."""
    try:
        return moment.astimezone(zone).replace(tzinfo=None)
    except OverflowError:
        return dt.datetime.max if moment.year > 1 else dt.datetime.min


def _utc(moment: dt.datetime) -> dt.datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return (dt.datetime.max if moment.year > 1 else dt.datetime.min).replace(tzinfo=UTC)


def shifted(moment: dt.datetime, by: dt.timedelta | relativedelta) -> dt.datetime:
    """`moment + by`, held at datetime's first or last moment instead of overflowing (a
    release scheduled in year 9999 is checked against windows all the same)."""
    try:
        return moment + by
    except (OverflowError, ValueError):  # relativedelta says ValueError
        edge = dt.datetime.max if moment.year > 1 else dt.datetime.min
        return edge.replace(tzinfo=moment.tzinfo)


def _from(rule: rrule, low: dt.datetime) -> Iterator[dt.datetime]:
    """The rule's occurrences from `low`, ending where dateutil reaches year 10000 (it
    raises there, a week or a period past datetime's last day)."""
    try:
        yield from rule.xafter(low, inc=True)
    except (ValueError, OverflowError):
        return


def _between(
    rule: rrule, low: dt.datetime, high: dt.datetime, exdates: Sequence[dt.datetime]
) -> Iterator[dt.datetime]:
    skipped = set(exdates)
    for local in _from(rule, low):
        if local > high:
            return
        if local not in skipped:
            yield local


def _after(rule: rrule, low: dt.datetime, exdates: Sequence[dt.datetime]) -> Iterator[dt.datetime]:
    skipped = set(exdates)
    for local in _from(rule, low):
        if local not in skipped:
            yield local
