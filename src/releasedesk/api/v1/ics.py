"""The calendar feed as iCalendar (RFC 5545), made with the `icalendar` library: the releases
on the caller's calendar as events in UTC, the freeze windows as events in their own zone (a
recurring window as its RRULE with its EXDATEs and the VTIMEZONE it needs, its UNTIL in UTC
as RFC 5545 3.3.10 asks beside a DTSTART with a TZID, so a calendar client expands it as
releasedesk does)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

from releasedesk.core.calendar.views import Calendar
from releasedesk.core.freezes.timing import OneOff
from releasedesk.core.freezes.views import Effect, FreezeWindow

PRODID = "-//releasedesk//calendar feed//EN"


class _Literal:
    """A property value written as given (an ISO 8601 duration keeps PT48H: icalendar
    would write a timedelta of 48 hours as P2D, which RFC 5545 reads as two nominal days)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def to_ical(self) -> bytes:
        return self.text.encode()


def feed(
    portal: str,
    releases: Calendar | None,
    windows: list[FreezeWindow],
    now: dt.datetime,
    release_url: str,
) -> bytes:
    """The feed; `release_url` is a format string taking a release's id."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"releasedesk: {portal}")
    for event in releases.events if releases else ():
        item = icalendar.Event()
        item.add("uid", f"release-{event.release_id}@{portal}.releasedesk")
        item.add("dtstamp", now)
        item.add("summary", event.title)
        item.add("dtstart", event.scheduled_start_time)
        if event.scheduled_end_time is not None:
            item.add("dtend", event.scheduled_end_time)
        details = [f"Stage: {event.stage}", f"Status: {event.status}"]
        if event.services:
            details.append("Services: " + ", ".join(s.name for s in event.services))
        if event.collisions:
            details.append(
                "Collides with: "
                + ", ".join(f"{c.title} ({c.shared_in_words})" for c in event.collisions)
            )
        item.add("description", "\n".join(details))
        item.add("categories", ["release"])
        item.add(
            "status",
            "CANCELLED" if event.closed and event.status.lower() == "canceled" else "CONFIRMED",
        )
        item.add("url", release_url.format(event.release_id))
        calendar.add_component(item)
    for window in windows:
        calendar.add_component(_window_event(window, portal, now))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _window_event(window: FreezeWindow, portal: str, now: dt.datetime) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"freeze-{window.id}@{portal}.releasedesk")
    item.add("dtstamp", now)
    warning = " (warning)" if window.effect is Effect.WARN else ""
    item.add("summary", f"Freeze: {window.name}{warning}")
    scope = window.scope
    named = [n.name for n in (*scope.services, *scope.release_types, *scope.teams)]
    item.add("description", f"{window.reason}\nApplies to: {', '.join(named) or 'all releases'}")
    item.add("categories", ["freeze"])
    item.add("transp", "OPAQUE")
    zone = window.timing.zone
    shape = window.timing.shape
    if isinstance(shape, OneOff):
        item.add("dtstart", shape.start.astimezone(zone))
        item.add("dtend", shape.end.astimezone(zone))
        return item
    item.add("dtstart", shape.dtstart.replace(tzinfo=zone))
    item["DURATION"] = _Literal(shape.duration.text())
    item.add("rrule", _until_in_utc(icalendar.vRecur.from_ical(shape.rule), zone))
    if shape.exdates:
        item.add("exdate", [d.replace(tzinfo=zone) for d in shape.exdates])
    return item


def _until_in_utc(rule: icalendar.vRecur, zone: ZoneInfo) -> icalendar.vRecur:
    """The rule with its UNTIL as a UTC time: a window's own UNTIL without Z is a wall-clock
    time in its zone (a date, that day's midnight there)."""
    until = rule.get("UNTIL")
    if until:
        value = until[0]
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        rule["UNTIL"] = [value.astimezone(dt.UTC)]
    return rule
