"""The release calendar: a month grid (an agenda list on narrow screens) or a week, each
release on the days its window covers, coloured by release type with the type in words;
a collision (overlapping windows sharing a service, support group or configuration item)
is written out on the release with the next free window beside it. The collisions and
the free windows are the core's (`core/calendar`)."""

from __future__ import annotations

import calendar as month_names
import datetime as dt
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.calendar import service as calendars
from releasedesk.core.calendar.views import CalendarEvent
from releasedesk.core.errors import ReleaseDeskError
from releasedesk.core.freezes.views import Band
from releasedesk.core.refs import Ref
from releasedesk.web.choices import lookup_choices
from releasedesk.web.context import PageContext, page
from releasedesk.web.freeze_words import scope_words

VIEWS = ("month", "week")


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_range: bool  # False: a day of the month before or after, shown to fill the week
    events: list[CalendarEvent]
    freezes: list[Band]

    @property
    def label(self) -> str:
        return f"{self.date:%A} {self.date.day} {self.date:%B}"


# The calendar shows 1970 to 9000: the years a scheduled time may hold (web/forms.py).
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 5), dt.date(9000, 12, 1)


def _month_of(text: str, today: dt.date) -> dt.date:
    try:
        month = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    return min(max(month, FIRST_DAY.replace(day=1) + dt.timedelta(days=31)), LAST_DAY)


def _week_of(text: str, today: dt.date) -> dt.date:
    try:
        day = min(max(dt.date.fromisoformat(text), FIRST_DAY + dt.timedelta(days=7)), LAST_DAY)
    except ValueError:
        day = today
    return day - dt.timedelta(days=day.weekday())


def _at_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _covers(event: CalendarEvent, day: dt.date) -> bool:
    start = event.scheduled_start_time
    end = event.scheduled_end_time or start
    day_start = _at_midnight(day)
    day_end = day_start + dt.timedelta(days=1)
    return start < day_end and (end > day_start or start >= day_start)


def _band_covers(band: Band, day: dt.date) -> bool:
    day_start = _at_midnight(day)
    return band.occurrence.meets(day_start, day_start + dt.timedelta(days=1))


def _days(
    first: dt.date,
    last: dt.date,
    events: tuple[CalendarEvent, ...],
    bands: tuple[Band, ...],
    shown: tuple[dt.date, dt.date],
) -> list[Day]:
    days = []
    day = first
    while day <= last:
        days.append(
            Day(
                day,
                shown[0] <= day <= shown[1],
                [e for e in events if _covers(e, day)],
                [b for b in bands if _band_covers(b, day)],
            )
        )
        day += dt.timedelta(days=1)
    return days


def _needs_moving(event: CalendarEvent) -> bool:
    """A release the page lists under Conflicts: it collides, or a blocking freeze window
    it holds no exception to covers its schedule."""
    return bool(event.collisions) or any(flag.blocks for flag in event.freezes)


@page
async def release_calendar(ctx: PageContext) -> Response:
    """A month (the default) or a week of scheduled releases, for everything the user may see."""
    today = dt.datetime.now(dt.UTC).date()
    view = ctx.query("view", "month")
    view = view if view in VIEWS else "month"
    service = ctx.query("service")[:200]
    if view == "month":
        first_of_month = _month_of(ctx.query("month"), today)
        days_in = month_names.monthrange(first_of_month.year, first_of_month.month)[1]
        shown = (first_of_month, first_of_month.replace(day=days_in))
        grid_first = shown[0] - dt.timedelta(days=shown[0].weekday())
        grid_last = shown[1] + dt.timedelta(days=6 - shown[1].weekday())
        title = f"{first_of_month:%B %Y}"
        previous = {"month": (shown[0] - dt.timedelta(days=1)).strftime("%Y-%m")}
        following = {"month": (shown[1] + dt.timedelta(days=1)).strftime("%Y-%m")}
        current = {"month": today.strftime("%Y-%m")}
    else:
        monday = _week_of(ctx.query("week"), today)
        shown = (monday, monday + dt.timedelta(days=6))
        grid_first, grid_last = shown
        title = f"Week of {monday.day} {monday:%B %Y}"
        previous = {"week": (monday - dt.timedelta(days=7)).isoformat()}
        following = {"week": (monday + dt.timedelta(days=7)).isoformat()}
        current = {"week": (today - dt.timedelta(days=today.weekday())).isoformat()}
    error = None
    bands: tuple[Band, ...] = ()
    try:
        found = await calendars.calendar(
            ctx.session,
            ctx.me,
            _at_midnight(grid_first),
            _at_midnight(grid_last + dt.timedelta(days=1)),
            service=Ref(name=service) if service else None,
        )
        events, bands = found.events, found.freezes
    except ReleaseDeskError as refused:  # an unknown service: say so beside the filter
        error, events = refused.message, ()
    in_range = tuple(
        e
        for e in events
        if _at_midnight(shown[0]) <= (e.scheduled_end_time or e.scheduled_start_time)
        and e.scheduled_start_time < _at_midnight(shown[1] + dt.timedelta(days=1))
    )
    days = _days(grid_first, grid_last, events, bands, shown)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return ctx.render(
        "calendar/calendar.html",
        view=view,
        title=title,
        weeks=weeks,
        agenda=[d for d in days if d.in_range and (d.events or d.freezes)],
        events=in_range,
        bands=bands,
        scope_words=scope_words,
        colliding=[e for e in in_range if _needs_moving(e)],
        service=service,
        service_error=error,
        services=await lookup_choices(ctx, "service"),
        nav={"previous": previous, "following": following, "current": current},
        period={"month": shown[0].strftime("%Y-%m")}
        if view == "month"
        else {"week": shown[0].isoformat()},
        shown_first=shown[0],
        weekdays=[month_names.day_name[i] for i in range(7)],
        today=today,
    )


def routes() -> list[BaseRoute]:
    return [Route("/calendar", release_calendar, methods=["GET"])]
