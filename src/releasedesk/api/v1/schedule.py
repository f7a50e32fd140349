"""/api/v1/releases/{id}/conflicts and /api/v1/schedule/next_free: can it go out then, and
if not, when?"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Parameter, Routes
from releasedesk.api.v1 import answers, wire
from releasedesk.api.v1.auth import CurrentActor
from releasedesk.api.v1.freezes import id_of
from releasedesk.api.v1.input import moment
from releasedesk.core.errors import Invalid
from releasedesk.core.freezes.timing import Duration
from releasedesk.core.schedule import service as schedule

routes = Routes()

NEXT_FREE_QUERY = (
    Parameter("duration", "How long the work takes (ISO 8601, such as PT4H); required"),
    Parameter("services", "The services it touches, comma-separated names"),
    Parameter("after", "From (RFC 3339); now when left out"),
    Parameter("within", "How far to look (ISO 8601, such as P30D; at most a year)"),
    Parameter("count", "How many slots (1 to 20; 3 when left out)"),
)


def _span(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, Any]:
    return {
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else end.isoformat(),
    }


@routes.get("/releases/{release_id}/conflicts", answers=answers.CONFLICTS)
async def conflicts(release_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    """The open releases whose scheduled windows overlap this one's and share a service,
    the support group or a configuration item, and the freeze windows it meets."""
    found = await schedule.conflicts(session, actor, id_of(release_id, "release", "release_id"))
    return JsonResponse(
        {
            "release_id": found.release_id,
            "scheduled": _span(found.scheduled_start, found.scheduled_end),
            "releases": [
                {
                    "id": c.release_id,
                    "title": c.title,
                    "scheduled": _span(c.scheduled_start_time, c.scheduled_end_time),
                    "shared": [{"kind": s.kind.value, "name": s.item.name} for s in c.shared],
                }
                for c in found.releases
            ],
            "freeze_windows": [wire.meeting_json(m) for m in found.freezes],
        }
    )


def _length(text: str | None, field: str, default: str | None = None) -> dt.timedelta:
    text = text if text is not None else default
    if text is None:
        raise Invalid(f"'{field}' is required (ISO 8601, such as PT4H)", field)
    duration = Duration.parse(text, field)
    return duration.days * dt.timedelta(days=1) + duration.exact


@routes.get("/schedule/next_free", answers=answers.SLOTS, query=NEXT_FREE_QUERY)
async def next_free(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """The first slots of the asked length meeting no blocking freeze window and no open
    release sharing one of the services; why, when fewer fit."""
    query = request.query_params
    count_text = query.get("count", "3")
    if not count_text.isdigit() or len(count_text) > 3:
        raise Invalid("'count' must be a whole number from 1 to 20", "count")
    after = moment(query["after"], "after") if "after" in query else dt.datetime.now(dt.UTC)
    services = [s.strip() for s in query.get("services", "").split(",") if s.strip()]
    found = await schedule.next_free(
        session,
        actor,
        duration=_length(query.get("duration"), "duration"),
        services=services,
        after=after.replace(microsecond=0),
        within=_length(query.get("within"), "within", "P30D"),
        count=int(count_text),
    )
    return JsonResponse(
        {
            "slots": [_span(s.start, s.end) for s in found.slots],
            "reason": found.reason,
        }
    )
