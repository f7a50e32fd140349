"""FlexDeploy release routes: parse the body, translate, call the core, translate back."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.status import HTTP_201_CREATED

from releasedesk.api.deps import Session
from releasedesk.api.flexdeploy import translate
from releasedesk.api.flexdeploy.answers import CREATED, EXECUTIONS, MANY, ONE
from releasedesk.api.flexdeploy.auth import CurrentActor
from releasedesk.api.flexdeploy.input import read_body
from releasedesk.api.flexdeploy.wire import ExecutionsIn
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Parameter, Routes
from releasedesk.api.wire_values import MAX_ID_DIGITS, is_digits
from releasedesk.core.deployment import service as deployments
from releasedesk.core.errors import Invalid, NotFound
from releasedesk.core.execution.status import parse_status
from releasedesk.core.text import unstorable

routes = Routes()

LIST_FILTERS = (
    Parameter("releaseName", "Releases whose name contains this text (any case)"),
    Parameter("releaseStatus", "NOT STARTED, STARTED, SUSPENDED or COMPLETED"),
)


def release_id_of(raw: str) -> int:
    """The path's release id; anything but a number names no release (404)."""
    if not is_digits(raw) or len(raw) > MAX_ID_DIGITS:
        raise NotFound(f"Release '{raw}' not found", "releaseId")
    return int(raw)


@routes.get("/releases", answers=MANY, query=LIST_FILTERS)
async def list_releases(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """Releases whose name contains releaseName (any case) in releaseStatus; none: all."""
    name = request.query_params.get("releaseName")
    asked_status = request.query_params.get("releaseStatus")
    if name is not None and unstorable(name) is not None:
        raise Invalid(
            "releaseName cannot contain a NUL character or a lone surrogate", "releaseName"
        )
    status = None
    if asked_status is not None and asked_status.strip():
        status = parse_status(asked_status)
        if status is None:
            raise Invalid(
                f"'{asked_status}' is not a release status: give NOT STARTED, STARTED, "
                "SUSPENDED or COMPLETED",
                "releaseStatus",
            )
    found = await deployments.list_deployments(session, actor, name=name or None, status=status)
    return JsonResponse([translate.release_json(d) for d in found])


@routes.get("/releases/{release_id}", hot=True, answers=ONE)
async def get_release(release_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    """One release by its id."""
    found = await deployments.get_deployment(session, actor, release_id_of(release_id))
    return JsonResponse(translate.release_json(found))


@routes.post("/releases", answers=CREATED)
async def create_release(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """Create a release (releaseName required; NOTSTARTED unless STARTED is asked)."""
    deployments.check_may_write(actor)  # a requester hears 403, whatever the body
    changes = translate.to_changes(translate.parse_release(await read_body(request)))
    created = await deployments.create_deployment(session, actor, changes)
    return JsonResponse(translate.release_json(created), status_code=HTTP_201_CREATED)


@routes.put("/releases/{release_id}", answers=ONE)
async def replace_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Replace a release: what is null or absent goes back to its default."""
    deployments.check_may_write(actor)
    number = release_id_of(release_id)
    changes = translate.to_changes(translate.parse_release(await read_body(request)), number)
    updated = await deployments.replace_deployment(session, actor, number, changes)
    return JsonResponse(translate.release_json(updated))


@routes.patch("/releases/{release_id}", answers=ONE)
async def patch_release(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Add to or update a release; nothing is removed."""
    deployments.check_may_write(actor)
    number = release_id_of(release_id)
    changes = translate.to_changes(translate.parse_release(await read_body(request)), number)
    updated = await deployments.merge_deployment(session, actor, number, changes)
    return JsonResponse(translate.release_json(updated))


@routes.put("/releases/{release_id}/executions", answers=EXECUTIONS)
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


@routes.get("/releases/{release_id}/executions", answers=EXECUTIONS)
async def get_executions(release_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    number = release_id_of(release_id)
    found = await deployments.get_deployment(session, actor, number)
    return JsonResponse({"releaseId": number, "runningExecutions": found.running_executions})
