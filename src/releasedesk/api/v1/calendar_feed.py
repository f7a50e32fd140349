"""/api/v1/calendar.ics, the feed a calendar client subscribes to (releases and freeze
windows), and /api/v1/calendar_feed/token, its secret made, reset or ended."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from starlette.responses import Response

from releasedesk.api.deps import Session, portal_name
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Parameter, Routes
from releasedesk.api.v1 import answers, ics
from releasedesk.api.v1.auth import CurrentActor, current_actor
from releasedesk.api.v1.input import moment
from releasedesk.core.actors import Actor
from releasedesk.core.calendar.service import MAX_RANGE, calendar
from releasedesk.core.errors import Invalid, TimesOutOfOrder, Unauthenticated
from releasedesk.core.feeds import service as feeds
from releasedesk.core.freezes import service as freezes

routes = Routes()

FEED_QUERY = (
    Parameter("token", "The feed token (calendar clients send no headers); or sign in as usual"),
    Parameter("from", "From (RFC 3339); 30 days ago when left out"),
    Parameter("to", "Until (RFC 3339); at most 366 days after from"),
    Parameter("service", "Only releases touching this service"),
    Parameter("include", "releases, freezes or both (comma-separated; both by default)"),
)
ICS_ANSWER = {200: {"type": "string", "contentMediaType": "text/calendar"}}
INCLUDES = {"releases", "freezes"}


async def feed_reader(request: Request, session: Session) -> Actor:
    token = request.query_params.get("token")
    if token is None:
        return await current_actor(request, session)
    actor = await feeds.reader(session, token, portal_name(request))
    if actor is None:
        raise Unauthenticated("This feed token does not open a calendar here", "token")
    return actor


@routes.get("/calendar.ics", answers=ICS_ANSWER, query=FEED_QUERY)
async def calendar_feed(request: Request, session: Session) -> Response:
    """The caller's calendar as iCalendar: the releases they may see and the freeze windows."""
    actor = await feed_reader(request, session)
    query = request.query_params
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = moment(query["from"], "from") if "from" in query else now - dt.timedelta(days=30)
    end = moment(query["to"], "to") if "to" in query else start + MAX_RANGE
    if end <= start:  # named as the feed's caller sent it (the core's calendar says `end`)
        raise TimesOutOfOrder("'to' must be after 'from'", "to")
    if end - start > MAX_RANGE:
        raise Invalid(f"'to' is at most {MAX_RANGE.days} days after 'from'", "to")
    include = {p.strip() for p in query.get("include", "releases,freezes").split(",") if p.strip()}
    if not include or include - INCLUDES:
        raise Invalid("'include' takes releases, freezes or both", "include")
    releases = None
    if "releases" in include:
        releases = await calendar(session, actor, start, end, service=query.get("service"))
    windows = await freezes.list_windows(session, actor) if "freezes" in include else []
    base = str(request.base_url).rstrip("/")
    prefix = f"/app/{actor.portal_name}" if request.url.path.startswith("/app/") else ""
    body = ics.feed(actor.portal_name, releases, windows, now, f"{base}{prefix}/ui/releases/{{}}")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="releasedesk.ics"'},
    )


@routes.post("/calendar_feed/token", answers=answers.FEED_TOKEN, body={})
async def reset_token(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """A new feed token for the caller, shown only now; the old one stops working."""
    token = await feeds.reset(session, actor)
    base = str(request.base_url).rstrip("/")
    url = f"{base}/app/{actor.portal_name}/api/v1/calendar.ics?token={token}"
    return JsonResponse({"token": token, "url": url}, status_code=201)


@routes.delete("/calendar_feed/token", answers=answers.GONE)
async def end_token(session: Session, actor: CurrentActor) -> Response:
    """The caller's feed token ended (a calendar subscribed with it gets 401 from now on)."""
    await feeds.revoke(session, actor)
    return Response(status_code=204)
