"""UCR release routes: read the JSON, translate, call the core, answer in the format asked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from releasedesk.api.deps import Session, read_unit_of_work
from releasedesk.api.request_text import check_url_text
from releasedesk.api.responses import JsonResponse
from releasedesk.api.ucr import translate
from releasedesk.api.ucr.auth import CurrentActor, current_actor
from releasedesk.api.ucr.input import read_json, read_object
from releasedesk.api.ucr.paging import page_of
from releasedesk.api.ucr.paths import location, path_uuid
from releasedesk.api.ucr.translate import Format
from releasedesk.api.wire_values import boolean
from releasedesk.core.plans import service as plans

router = APIRouter()


def _format(request: Request) -> Format:
    return Format.of(request.query_params.get("format"))


# One release: 201; an array: 201, or 200 when it was empty and nothing was made.
CREATED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An empty array: nothing made",
        "content": {"application/json": {"schema": {"type": "array", "maxItems": 0}}},
    }
}


@router.post("/releases/", status_code=HTTP_201_CREATED, responses=CREATED)
@router.post("/releases", status_code=HTTP_201_CREATED, responses=CREATED)
async def create_releases(request: Request, session: Session, actor: CurrentActor) -> Response:
    """One release (201, Location and the element) or an array of them, all or nothing
    (the elements in input order)."""
    form = _format(request)
    given, as_array = translate.parse_releases(await read_json(request))
    made = await plans.add_releases(session, actor, given, numbered=as_array)
    rows = [translate.release_json(planned, form) for planned in made]
    if as_array:
        return JsonResponse(rows, status_code=HTTP_201_CREATED if rows else 200)
    created = made[0].release
    return JsonResponse(
        rows[0],
        status_code=HTTP_201_CREATED,
        headers={"Location": location(request, created.uuid)},
    )


@router.get("/releases/")
@router.get("/releases")
async def list_releases(request: Request, session: Session, actor: CurrentActor) -> Response:
    """Live releases by name (`name`, `*` a wildcard), or those ghosted (`ghosted=true`)."""
    params = request.query_params
    ghosted = params.get("ghosted")
    offset, limit = page_of(params)
    form = _format(request)
    page = await plans.list_releases(
        session,
        actor,
        name=params.get("name") or None,
        ghosted=False if ghosted is None else boolean(ghosted, "ghosted"),
        offset=offset,
        limit=limit,
        with_plans=form is not Format.NAME,
    )
    return JsonResponse([translate.release_json(planned, form) for planned in page.rows])


async def get_release(request: Request, path: dict[str, str]) -> Response:
    """One release by its UUID, in the format asked (a front route: api/ucr/app.py)."""
    check_url_text(request.scope)  # a front route: no FastAPI dependency runs
    async with read_unit_of_work(request) as session:
        actor = await current_actor(request, session)
        release_uuid = path_uuid(path["release_id"], "release")
        planned = await plans.get_release(session, actor, release_uuid)
    return JsonResponse(translate.release_json(planned, _format(request)))


@router.put("/releases/{release_id}")
@router.put("/releases/{release_id}/")
async def update_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> Response:
    """Change the fields given; a `version` other than the release's is a 409."""
    given = translate.parse_release(await read_object(request))
    planned = await plans.update_release(
        session,
        actor,
        path_uuid(release_id, "release"),
        translate.release_to_core(given),
        expected_version=given.version,
    )
    return JsonResponse(translate.release_json(planned, _format(request)))


@router.delete("/releases/{release_id}", status_code=HTTP_204_NO_CONTENT)
@router.delete("/releases/{release_id}/", status_code=HTTP_204_NO_CONTENT)
async def delete_release(release_id: str, session: Session, actor: CurrentActor) -> Response:
    """Ghost the release (the trash SDP shows too)."""
    await plans.move_to_trash(session, actor, path_uuid(release_id, "release"))
    return Response(status_code=HTTP_204_NO_CONTENT)
