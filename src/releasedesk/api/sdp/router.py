"""SDP v3 release routes: read input_data, translate, call the core, translate back."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.status import HTTP_201_CREATED

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.sdp import translate
from releasedesk.api.sdp.answers import listing, one
from releasedesk.api.sdp.auth import CurrentActor
from releasedesk.api.sdp.errors import answers_list, success_status
from releasedesk.api.sdp.fields import FILTERS, LIST_KEYS, RELEASE_KEYS
from releasedesk.api.sdp.input import NoInput, read_input_data
from releasedesk.api.sdp.list_info import ListRequest, list_info_json, parse_list_info
from releasedesk.api.sdp.wire import ReleaseEnvelope, ReleaseIn
from releasedesk.api.wire_values import entity_id, is_digits
from releasedesk.core.errors import Invalid, from_validation_error
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.search_fields import SEARCHABLE, SORTABLE
from releasedesk.core.releases.views import Release
from releasedesk.core.search.query import Sort

routes = Routes()

DEFAULT_SORT = Sort("created_time", descending=True)


def parse_release(payload: dict[str, Any]) -> BaseModel:
    """`{"release": {…}}` as the wire model; errors name the field (release.title, …)."""
    try:
        envelope = ReleaseEnvelope.model_validate(payload)
        return ReleaseIn.model_validate(envelope.release)
    except ValidationError as exc:
        errors = list(exc.errors())
        prefix = "" if errors and errors[0]["loc"][:1] == ("release",) else "release"
        raise from_validation_error(errors, prefix, whole="input_data") from None  # type: ignore[arg-type]


def release_id_of(raw: str) -> int:
    """A release id from the path (digits only)."""
    if not is_digits(raw):
        raise Invalid(f"'{raw}' is not a release id", "id")
    return entity_id(raw, "id")


def release_response(release: Release, status_code: int = 200) -> JsonResponse:
    """`{"response_status": …, "release": …}`: the answer of every single-release write."""
    body = {"response_status": success_status(), "release": translate.release_json(release)}
    return JsonResponse(body, status_code=status_code)


@routes.post("/releases", hot=True, answers=one("release", status=201))
async def add_release(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """Add a release (title mandatory; template, stage and status default)."""
    release_in = parse_release(await read_input_data(request))
    release = await releases.add_release(session, actor, translate.release_to_core(release_in))
    return release_response(release, HTTP_201_CREATED)


def release_listing(payload: dict[str, Any]) -> ListRequest:
    """A release list's list_info: the fields it may search, sort on and return."""
    return parse_list_info(
        payload,
        searchable=SEARCHABLE,
        sortable=SORTABLE,
        returnable=RELEASE_KEYS,
        default_sort=DEFAULT_SORT,
    )


@routes.get("/releases", hot=True, answers=listing("releases"))
@answers_list
async def list_releases(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """List releases with list_info: paging, sorting, search and filter_by."""
    asked = release_listing(await read_input_data(request))
    view = FILTERS.get(asked.view or "all_releases")
    if view is None:
        raise Invalid(f"'{asked.view}' is not a release filter", "filter_by")
    keys = {*LIST_KEYS, *(asked.fields_required or ())}
    page = await releases.list_releases(
        session, actor, asked.query, view, translate.parts_for(keys)
    )
    rows = [translate.release_json(r, keys) for r in page.rows]
    return JsonResponse(
        {
            "response_status": success_status(as_list=True),
            "list_info": list_info_json(asked.echo, page, len(rows)),
            "releases": rows,
        }
    )


@routes.get("/releases/{release_id}", hot=True, answers=one("release"))
async def get_release(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """One release by id."""
    release = await releases.get_release(session, actor, release_id_of(release_id))
    return release_response(release)


@routes.put("/releases/{release_id}", hot=True, answers=one("release"))
async def update_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Update a release; only the fields given change."""
    rid = release_id_of(release_id)
    release_in = parse_release(await read_input_data(request))
    release = await releases.update_release(
        session, actor, rid, translate.release_to_core(release_in)
    )
    return release_response(release)
