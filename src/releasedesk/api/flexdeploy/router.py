"""FlexDeploy release routes: parse the body, translate, call the core, translate back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.status import HTTP_201_CREATED

from releasedesk.api.deps import Session, read_unit_of_work
from releasedesk.api.flexdeploy import translate
from releasedesk.api.flexdeploy.auth import CurrentActor, current_actor
from releasedesk.api.flexdeploy.input import read_body
from releasedesk.api.flexdeploy.wire import ExecutionsIn
from releasedesk.api.request_text import check_url_text
from releasedesk.api.responses import JsonResponse
from releasedesk.api.wire_values import MAX_ID_DIGITS, is_digits
from releasedesk.core.deployment import service as deployments
from releasedesk.core.deployment.status import parse_status
from releasedesk.core.errors import Invalid, NotFound
from releasedesk.core.releases.text import unstorable

router = APIRouter()


def release_id_of(raw: str) -> int:
    """The path's release id; anything but a number names no release (404)."""
    if not is_digits(raw) or len(raw) > MAX_ID_DIGITS:
        raise NotFound(f"Release '{raw}' not found", "releaseId")
    return int(raw)


@router.get("/releases")
async def list_releases(
    session: Session,
    actor: CurrentActor,
    releaseName: str | None = None,
    releaseStatus: str | None = None,
) -> JsonResponse:
    """Releases whose name contains releaseName (any case) in releaseStatus; none: all."""
    if releaseName is not None and unstorable(releaseName) is not None:
        raise Invalid(
            "releaseName cannot contain a NUL character or a lone surrogate", "releaseName"
        )
    status = None
    if releaseStatus is not None and releaseStatus.strip():
        status = parse_status(releaseStatus)
        if status is None:
            raise Invalid(
                f"'{releaseStatus}' is not a release status: give NOT STARTED, STARTED, "
                "SUSPENDED or COMPLETED",
                "releaseStatus",
            )
    found = await deployments.list_deployments(
        session, actor, name=releaseName or None, status=status
    )
    return JsonResponse([translate.release_json(d) for d in found])


async def get_release(request: Request, path: dict[str, str]) -> JsonResponse:
    """One release by its id (a front route: api/flexdeploy/app.py)."""
    check_url_text(request.scope)  # a front route: no FastAPI dependency runs
    async with read_unit_of_work(request) as session:
        actor = await current_actor(request, session)
        release_id = release_id_of(path["release_id"])
        found = await deployments.get_deployment(session, actor, release_id)
    return JsonResponse(translate.release_json(found))


@router.post("/releases", status_code=HTTP_201_CREATED)
async def create_release(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """Create a release (releaseName required; NOTSTARTED unless STARTED is asked)."""
    deployments.check_may_write(actor)  # a requester hears 403, whatever the body
    changes = translate.to_changes(translate.parse_release(await read_body(request)))
    created = await deployments.create_deployment(session, actor, changes)
    return JsonResponse(translate.release_json(created), status_code=HTTP_201_CREATED)


@router.put("/releases/{release_id}")
async def replace_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Replace a release: what is null or absent goes back to its default."""
    deployments.check_may_write(actor)
    number = release_id_of(release_id)
    changes = translate.to_changes(translate.parse_release(await read_body(request)), number)
    updated = await deployments.replace_deployment(session, actor, number, changes)
    return JsonResponse(translate.release_json(updated))


@router.patch("/releases/{release_id}")
async def patch_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Add to or update a release; nothing is removed."""
    deployments.check_may_write(actor)
    number = release_id_of(release_id)
    changes = translate.to_changes(translate.parse_release(await read_body(request)), number)
    updated = await deployments.merge_deployment(session, actor, number, changes)
    return JsonResponse(translate.release_json(updated))


@router.put("/releases/{release_id}/executions")
async def set_executions(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """releasedesk's own: how many pipeline executions of the release are running (the
    count the "no end while executions run" rule reads)."""
    deployments.check_may_record_executions(actor)
    number = release_id_of(release_id)
    payload: dict[str, Any] = await read_body(request)
    try:
        executions = ExecutionsIn.model_validate(payload)
    except ValidationError as exc:
        raise translate.validation_error(exc, "a release's executions") from None
    found = await deployments.set_running_executions(
        session, actor, number, executions.runningExecutions
    )
    return JsonResponse({"releaseId": number, "runningExecutions": found.running_executions})


@router.get("/releases/{release_id}/executions")
async def get_executions(release_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    number = release_id_of(release_id)
    found = await deployments.get_deployment(session, actor, number)
    return JsonResponse({"releaseId": number, "runningExecutions": found.running_executions})
