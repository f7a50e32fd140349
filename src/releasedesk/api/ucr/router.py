"""UCR release routes: read the JSON, translate, call the core, answer in the format asked."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.ucr import translate
from releasedesk.api.ucr.answers import (
    FORMAT,
    GONE,
    LIST_FILTERS,
    MANY,
    ONE,
    RELEASES_BODY,
    RELEASES_CREATED,
)
from releasedesk.api.ucr.auth import CurrentActor
from releasedesk.api.ucr.input import read_json, read_object
from releasedesk.api.ucr.paging import page_of
from releasedesk.api.ucr.paths import location, path_uuid
from releasedesk.api.ucr.translate import Format
from releasedesk.api.wire_values import boolean
from releasedesk.core.plans import service as plans

routes = Routes()


def _format(request: Request) -> Format:
    return Format.of(request.query_params.get("format"))


@routes.post("/releases", answers=RELEASES_CREATED, query=[FORMAT], body=RELEASES_BODY)
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


@routes.get("/releases", answers=MANY, query=[*LIST_FILTERS, FORMAT])
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


@routes.get("/releases/{release_id}", hot=True, answers=ONE, query=[FORMAT])
async def get_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> Response:
    """One release by its UUID, in the format asked."""
    planned = await plans.get_release(session, actor, path_uuid(release_id, "release"))
    return JsonResponse(translate.release_json(planned, _format(request)))


@routes.put("/releases/{release_id}", answers=ONE, query=[FORMAT])
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


@routes.delete("/releases/{release_id}", answers=GONE)
async def delete_release(release_id: str, session: Session, actor: CurrentActor) -> Response:
    """Ghost the release (the trash SDP shows too)."""
    await plans.move_to_trash(session, actor, path_uuid(release_id, "release"))
    return Response(status_code=HTTP_204_NO_CONTENT)
