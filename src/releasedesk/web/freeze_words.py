"""Freeze windows in words for the Freezes page: what a window does ("Blocks"), when it is
(every time printed with its zone and offset, so a window across a daylight-saving change
reads as meant), a simple RRULE said in plain words, and what it applies to. Pure functions
over core views, no I/O."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from releasedesk.core.freezes.timing import Duration, Occurrence, Recurring
from releasedesk.core.freezes.views import Effect, Scope

EFFECT_WORDS = {Effect.BLOCK: "Blocks", Effect.WARN: "Warns"}
_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday"}
_DAYS |= {"FR": "Friday", "SA": "Saturday", "SU": "Sunday"}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
DASH = "\u2013"  # an en dash between a span's ends
MINUS = "\u2212"  # a minus sign before an offset west of Greenwich
_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_SIMPLE_PARTS = {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"}


def effect_word(effect: Effect) -> str:
    return EFFECT_WORDS[effect]


def offset(moment: dt.datetime) -> str:
    """The offset of an aware moment: "UTC+01:00", or with a minus sign "UTC-03:30"."""
    delta = moment.utcoffset() or dt.timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _clock(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def _zone_label(zone: ZoneInfo, moment: dt.datetime, named: bool = True) -> str:
    if zone.key == "UTC":
        return "UTC"
    return f"{zone.key} ({offset(moment)})" if named else f"({offset(moment)})"


def zoned(moment: dt.datetime, zone: ZoneInfo, named: bool = True) -> str:
    """One moment in the window's zone: "22 Dec 2031, 00:00 Europe/Berlin (UTC+01:00)"
    (not `named`: the offset alone, where the zone is said once nearby)."""
    local = moment.astimezone(zone)
    return f"{_clock(local)} {_zone_label(zone, local, named)}"


def span(start: dt.datetime, end: dt.datetime, zone: ZoneInfo, named: bool = True) -> str:
    """From start to end in the window's zone, the offset once when both share it:
    "22 Dec 2031, 00:00 - 4 Jan 2032, 00:00 Europe/Berlin (UTC+01:00)" (an en dash, not a
    hyphen, between them); across a change,
    each end with its own."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.utcoffset() != last.utcoffset():
        return f"{zoned(first, zone, named)} {DASH} {zoned(last, zone, named)}"
    until = f"{last:%H:%M}" if first.date() == last.date() else _clock(last)
    return f"{_clock(first)} {DASH} {until} {_zone_label(zone, first, named)}"


def occurrence_words(occurrence: Occurrence, zone: ZoneInfo, named: bool = True) -> str:
    return span(occurrence.start, occurrence.end, zone, named)


def duration_words(duration: Duration) -> str:
    """In words: "2 days", "48 hours", "1 day 4 hours 30 minutes"."""
    seconds = int(duration.exact.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in (
            (duration.days, "day"),
            (hours, "hour"),
            (minutes, "minute"),
            (seconds, "second"),
        )
        if n
    ]
    return " ".join(parts)


def _parts(rule: str) -> dict[str, str] | None:
    cleaned = rule.strip()
    if cleaned.upper().startswith("RRULE:"):
        cleaned = cleaned[6:]
    parts: dict[str, str] = {}
    for piece in cleaned.split(";"):
        key, equals, value = piece.partition("=")
        if not equals or key.strip().upper() in parts:
            return None
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def _days(text: str, monthly: bool) -> str | None:
    """BYDAY in words: "Friday and Saturday"; monthly, "the last Friday"."""
    said = []
    for each in text.split(","):
        day = _DAYS.get(each[-2:])
        number = each[:-2]
        if day is None:
            return None
        if not number:
            said.append(day)
        elif monthly and number.lstrip("+-").isdigit() and int(number) in _ORDINALS:
            said.append(f"the {_ORDINALS[int(number)]} {day}")
        else:
            return None
    return " and ".join([", ".join(said[:-1]), said[-1]]) if len(said) > 1 else said[0]


def _every(parts: dict[str, str], start: dt.datetime) -> str | None:
    unit = _UNITS.get(parts.get("FREQ", ""))
    interval_text = parts.get("INTERVAL", "1")
    if unit is None or not interval_text.isdigit() or int(interval_text) < 1:
        return None
    interval = int(interval_text)
    every = f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"
    byday = parts.get("BYDAY")
    if byday:
        if unit not in ("week", "month"):
            return None
        days = _days(byday, unit == "month")
        if days is None:
            return None
        if unit == "week" and interval == 1:
            return f"Every {days}"
        return f"{every} on {days}"
    if unit == "week":
        return f"Every {start:%A}" if interval == 1 else f"{every} on {start:%A}"
    if unit == "month":
        return f"{every} on day {start.day}"
    if unit == "year":
        return f"{every} on {start.day} {start:%B}"
    return every


def rule_words(shape: Recurring, zone: ZoneInfo) -> str | None:
    """A simple rule in plain words ("Every Friday at 18:00 Europe/Berlin, for 2 days"), or
    None for one better shown as it is written (BYMONTHDAY, BYSETPOS, several BY… parts)."""
    parts = _parts(shape.rule)
    if parts is None or not set(parts) <= _SIMPLE_PARTS:
        return None
    every = _every(parts, shape.dtstart)
    if every is None:
        return None
    when = shape.dtstart.replace(tzinfo=zone)
    words = f"{every} at {when:%H:%M} {zone.key}, for {duration_words(shape.duration)}"
    count = parts.get("COUNT")
    if count is not None:
        if not count.isdigit():
            return None
        words += f", {count} time{'' if count == '1' else 's'} in all"
    until = parts.get("UNTIL")
    if until is not None:
        try:
            last = dt.date(int(until[:4]), int(until[4:6]), int(until[6:8]))
        except ValueError:
            return None
        words += f", until {last.day} {last:%b %Y}"
    return words


def scope_words(scope: Scope) -> str:
    """In words: "All releases", or "Services: Payments, Email; Release types: Major"."""
    if scope.everything:
        return "All releases"
    said = [
        f"{label}: {', '.join(n.name for n in named)}"
        for label, named in (
            ("Services", scope.services),
            ("Release types", scope.release_types),
            ("Teams", scope.teams),
        )
        if named
    ]
    return "; ".join(said)
