"""/api/v1/freeze_windows: list, create, read, replace, change part of, delete; the releases
a window affects; exceptions granted to single releases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from starlette.responses import Response

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.v1 import answers, wire
from releasedesk.api.v1.auth import CurrentActor
from releasedesk.api.v1.input import moment, read_object, refuse_unknown
from releasedesk.api.wire_values import entity_id
from releasedesk.core.errors import Invalid, NotFound, ReleaseDeskError, WrongType
from releasedesk.core.freezes import service as freezes

routes = Routes()


def id_of(raw: str, what: str, field: str) -> int:
    """A path id; anything but a number names nothing (404)."""
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(f"No {what} with id '{raw}'", field)
    return int(raw)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@routes.get("/freeze_windows", answers=answers.MANY)
async def list_windows(session: Session, actor: CurrentActor) -> JsonResponse:
    """The portal's freeze windows, soonest first, each with its next occurrences."""
    now = _now()
    found = await freezes.list_windows(session, actor)
    return JsonResponse({"freeze_windows": [wire.window_json(w, now) for w in found]})


@routes.post("/freeze_windows", answers=answers.CREATED, body=answers.json_body(answers.WINDOW_IN))
async def create_window(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """A new freeze window (administrators)."""
    spec = wire.window_spec(await read_object(request))
    window = await freezes.create_window(session, actor, spec)
    return JsonResponse(wire.window_json(window, _now()), status_code=201)


@routes.get("/freeze_windows/{window_id}", answers=answers.ONE)
async def get_window(window_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    """One freeze window."""
    window = await freezes.get_window(session, actor, id_of(window_id, "freeze window", "id"))
    return JsonResponse(wire.window_json(window, _now()))


@routes.put(
    "/freeze_windows/{window_id}", answers=answers.ONE, body=answers.json_body(answers.WINDOW_IN)
)
async def replace_window(
    window_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """A freeze window replaced whole (administrators)."""
    spec = wire.window_spec(await read_object(request))
    wid = id_of(window_id, "freeze window", "id")
    return JsonResponse(
        wire.window_json(await freezes.update_window(session, actor, wid, spec), _now())
    )


@routes.patch(
    "/freeze_windows/{window_id}", answers=answers.ONE, body=answers.json_body(answers.WINDOW_IN)
)
async def change_window(
    window_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Some of a freeze window's fields changed (administrators); a one-off window becomes a
    recurring one when given `rrule` (and the other way round when given `start`)."""
    changes = await read_object(request)
    refuse_unknown(changes, wire.WINDOW_KEYS)
    wid = id_of(window_id, "freeze window", "id")
    current = wire.window_body(await freezes.get_window(session, actor, wid))
    if "rrule" in changes or "dtstart" in changes or "duration" in changes:
        for key in ("start", "end"):
            current.pop(key, None)
    if "start" in changes or "end" in changes:
        for key in ("rrule", "dtstart", "duration", "exdates"):
            current.pop(key, None)
    spec = wire.window_spec({**current, **changes})
    return JsonResponse(
        wire.window_json(await freezes.update_window(session, actor, wid, spec), _now())
    )


@routes.delete("/freeze_windows/{window_id}", answers=answers.GONE)
async def delete_window(window_id: str, session: Session, actor: CurrentActor) -> Response:
    """A freeze window deleted (administrators), with the exceptions granted to it."""
    await freezes.delete_window(session, actor, id_of(window_id, "freeze window", "id"))
    return Response(status_code=204)


@routes.get("/freeze_windows/{window_id}/affected", answers=answers.AFFECTED)
async def affected(window_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    """The live releases scheduled into the window's coming occurrences: those scheduled
    before it was made, and those let through by an exception."""
    found = await freezes.affected(session, actor, id_of(window_id, "freeze window", "id"))
    return JsonResponse(
        {
            "releases": [
                {
                    "id": a.release_id,
                    "title": a.title,
                    "overridden": a.overridden,
                    "scheduled": {
                        "start": a.scheduled_start.isoformat(),
                        "end": a.scheduled_end.isoformat(),
                    },
                }
                for a in found
            ]
        }
    )


@routes.post(
    "/freeze_windows/{window_id}/overrides",
    answers=answers.OVERRIDE_MADE,
    body=answers.json_body(answers.OVERRIDE_IN),
)
async def grant_override(
    window_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """An exception for one release to this window, with a reason and an expiry
    (administrators other than the release's requester)."""
    body = await read_object(request)
    refuse_unknown(body, {"release_id", "reason", "expires_on"})
    if "release_id" not in body:
        raise Invalid("'release_id' is required", "release_id")
    release_id = entity_id(body["release_id"], "release_id")  # 64-bit, as every id
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise WrongType("'reason' must be a string", "reason")
    if "expires_on" not in body:
        raise Invalid("'expires_on' is required", "expires_on")
    expires = moment(body["expires_on"], "expires_on")
    wid = id_of(window_id, "freeze window", "id")
    with _release_named_release_id():
        made = await freezes.grant_override(session, actor, wid, release_id, reason, expires)
    return JsonResponse(wire.override_json(made), status_code=201)


@routes.delete(
    "/freeze_windows/{window_id}/overrides/{override_id}", answers=answers.OVERRIDE_REVOKED
)
async def revoke_override(
    window_id: str, override_id: str, session: Session, actor: CurrentActor
) -> Response:
    """An exception ended before it expires (administrators); the release meets the window
    again."""
    wid = id_of(window_id, "freeze window", "id")
    oid = id_of(override_id, "exception", "override_id")
    await freezes.revoke_override(session, actor, wid, oid)
    return Response(status_code=204)


@contextmanager
def _release_named_release_id() -> Iterator[None]:
    """The core names a release `release` (the web form's field); this API's is `release_id`."""
    try:
        yield
    except ReleaseDeskError as error:
        if error.field == "release":
            error.field = "release_id"
        raise


@routes.get("/releases/{release_id}/freeze_overrides", answers=answers.OVERRIDES)
async def release_overrides(release_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    """The exceptions a release holds (expired ones too, for the record)."""
    rid = id_of(release_id, "release", "release_id")
    with _release_named_release_id():
        found = await freezes.overrides_of_release(session, actor, rid)
    return JsonResponse({"overrides": [wire.override_json(o) for o in found]})
