"""SDP lifecycle routes: close, trash, restore, delete, assign, pickup, history, comments."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.sdp import translate, translate_history
from releasedesk.api.sdp.answers import DONE, IDS, listing, one, per_id
from releasedesk.api.sdp.auth import CurrentActor
from releasedesk.api.sdp.errors import answers_list, success_status
from releasedesk.api.sdp.input import NoInput, read_input_data
from releasedesk.api.sdp.list_info import list_info_json, paging_of
from releasedesk.api.sdp.many import ids_of, outcomes_response
from releasedesk.api.sdp.router import release_id_of, release_response
from releasedesk.api.wire_values import refuse_unknown
from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.refs import Ref
from releasedesk.core.releases import lifecycle
from releasedesk.core.releases import service as releases

routes = Routes()


CLOSE_KEYS = frozenset({"status", "comment", "closure_comments"})


def _close_input(payload: dict[str, Any]) -> tuple[Ref | None, str | None]:
    """`{"status": "completed", "comment": "…"}`, also accepted inside `{"release": …}`."""
    body = payload.get("release", payload)
    if not isinstance(body, dict):
        raise WrongType("'release' must be an object", "release")
    refuse_unknown(body, CLOSE_KEYS, "close")
    status = body.get("status")
    if isinstance(status, dict):
        status = status.get("name")
    comment = body.get("comment", body.get("closure_comments"))
    for name, value in (("status", status), ("comment", comment)):
        if value is not None and not isinstance(value, str):
            raise WrongType(f"'{name}' must be a string", name)
    return (None if status is None else Ref(name=status)), comment


@routes.put("/releases/close", answers=per_id("releases"), query=[IDS])
async def close_many(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """Close several releases: `?ids=1,2` with {status, comment}."""
    status, comment = _close_input(await read_input_data(request))
    outcomes = await lifecycle.for_each_release(
        session,
        ids_of(request),
        lambda rid: lifecycle.close_release(session, actor, rid, status=status, comment=comment),
    )
    return outcomes_response(outcomes, translate.release_json)


@routes.delete("/releases/move_to_trash", answers=per_id(None), query=[IDS])
async def trash_many(
    request: Request, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Move releases to the trash: `?ids=1,2`."""
    outcomes = await lifecycle.for_each_release(
        session, ids_of(request), lambda rid: lifecycle.move_to_trash(session, actor, rid)
    )
    return outcomes_response(outcomes, None, single_as_object=True)


@routes.put("/releases/restore_from_trash", answers=per_id("releases"), query=[IDS])
async def restore_many(
    request: Request, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Bring releases back from the trash: `?ids=1,2`."""
    outcomes = await lifecycle.for_each_release(
        session, ids_of(request), lambda rid: lifecycle.restore_from_trash(session, actor, rid)
    )
    return outcomes_response(outcomes, translate.release_json)


@routes.put("/releases/assign", answers=per_id("releases"), query=[IDS])
async def assign_many(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """Set the release engineer: `?ids=1,2` with {"release": {"release_engineer": {name}}}."""
    payload = await read_input_data(request)
    release = payload.get("release")
    if not isinstance(release, dict) or "release_engineer" not in release:
        raise Invalid("'release.release_engineer' is mandatory", "release_engineer")
    refuse_unknown(release, {"release_engineer"}, "assign")
    engineer = release["release_engineer"]
    if not isinstance(engineer, dict | str):
        raise WrongType("'release_engineer' must be an object", "release_engineer")
    ref = translate.reference(engineer, "release_engineer")
    outcomes = await lifecycle.for_each_release(
        session, ids_of(request), lambda rid: lifecycle.assign_engineer(session, actor, rid, ref)
    )
    return outcomes_response(outcomes, translate.release_json)


@routes.put("/releases/pickup", answers=per_id("releases"), query=[IDS])
async def pickup_many(
    request: Request, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Make the caller the release engineer: `?ids=1,2`."""
    outcomes = await lifecycle.for_each_release(
        session, ids_of(request), lambda rid: lifecycle.pickup(session, actor, rid)
    )
    return outcomes_response(outcomes, translate.release_json)


@routes.put("/releases/{release_id}/close", answers=one("release"))
@routes.put("/releases/{release_id}/_close", answers=one("release"))
async def close_one(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Close a release: {"status": "completed" | "canceled", "comment": "…"}."""
    rid = release_id_of(release_id)
    status, comment = _close_input(await read_input_data(request))
    release = await lifecycle.close_release(session, actor, rid, status=status, comment=comment)
    return release_response(release)


@routes.delete("/releases/{release_id}/move_to_trash", answers=DONE)
async def trash_one(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Move one release to the trash."""
    await lifecycle.move_to_trash(session, actor, release_id_of(release_id))
    return JsonResponse({"response_status": success_status()})


@routes.delete("/releases/{release_id}", answers=DONE)
async def delete_one(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Delete a release permanently (only from the trash)."""
    await lifecycle.delete_release(session, actor, release_id_of(release_id))
    return JsonResponse({"response_status": success_status()})


@routes.get("/releases/{release_id}/history", hot=True, answers=listing("history"))
@answers_list
async def history(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Every change to the release, newest first (list_info pages it)."""
    query, echo = paging_of(await read_input_data(request))
    release, page = await releases.release_history(session, actor, release_id_of(release_id), query)
    rows = [translate_history.history_json(release, entry) for entry in page.rows]
    return JsonResponse(
        {
            "response_status": success_status(as_list=True),
            "list_info": list_info_json(echo, page, len(rows)),
            "history": rows,
        }
    )


@routes.get("/releases/{release_id}/status_comments", answers=listing("status_comments"))
@answers_list
async def status_comments(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """The comments given with each stage and status, newest first."""
    query, echo = paging_of(await read_input_data(request))
    release, page = await releases.release_status_comments(
        session, actor, release_id_of(release_id), query
    )
    rows = [translate_history.status_comment_json(release, c) for c in page.rows]
    return JsonResponse(
        {
            "status_comments": rows,
            "response_status": success_status(as_list=True),
            "list_info": list_info_json(echo, page, len(rows)),
        }
    )
