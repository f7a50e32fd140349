"""UCR lifecycle models and teams: list, read, add."""

from __future__ import annotations

import uuid

from fastapi import Request, Response
from starlette.status import HTTP_201_CREATED

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.ucr import translate
from releasedesk.api.ucr.answers import CREATED, MANY, ONE
from releasedesk.api.ucr.auth import CurrentActor
from releasedesk.api.ucr.input import read_object
from releasedesk.api.ucr.paths import location, path_uuid
from releasedesk.api.ucr.translate import Json
from releasedesk.api.ucr.validation import parse
from releasedesk.api.ucr.wire import LifecycleModelIn, TeamIn
from releasedesk.core.lifecycle import service as lifecycle
from releasedesk.core.teams import service as teams

routes = Routes()


def _created(request: Request, body: Json, element_id: uuid.UUID) -> JsonResponse:
    return JsonResponse(
        body, status_code=HTTP_201_CREATED, headers={"Location": location(request, element_id)}
    )


@routes.get("/lifecycleModels", answers=MANY)
async def list_lifecycle_models(session: Session, actor: CurrentActor) -> Response:
    models = await lifecycle.list_models(session, actor)
    return JsonResponse([translate.lifecycle_model_json(m, with_phases=True) for m in models])


@routes.get("/lifecycleModels/{model_id}", answers=ONE)
async def get_lifecycle_model(model_id: str, session: Session, actor: CurrentActor) -> Response:
    model = await lifecycle.get_model(session, actor, path_uuid(model_id, "lifecycle model"))
    return JsonResponse(translate.lifecycle_model_json(model, with_phases=True))


@routes.post("/lifecycleModels", answers=CREATED)
async def add_lifecycle_model(request: Request, session: Session, actor: CurrentActor) -> Response:
    """A lifecycle model with its phases in the order given (admins)."""
    given = parse(LifecycleModelIn, await read_object(request))
    model = await lifecycle.add_model(session, actor, translate.lifecycle_model_to_core(given))
    body = translate.lifecycle_model_json(model, with_phases=True)
    return _created(request, body, model.uuid)


@routes.get("/teams", answers=MANY)
async def list_teams(session: Session, actor: CurrentActor) -> Response:
    found = await teams.list_teams(session, actor)
    return JsonResponse([translate.team_json(t, full=True) for t in found])


@routes.get("/teams/{team_id}", answers=ONE)
async def get_team(team_id: str, session: Session, actor: CurrentActor) -> Response:
    team = await teams.get_team(session, actor, path_uuid(team_id, "team"))
    return JsonResponse(translate.team_json(team, full=True))


@routes.post("/teams", answers=CREATED)
async def add_team(request: Request, session: Session, actor: CurrentActor) -> Response:
    """A team (admins); names are unique in the portal."""
    given = parse(TeamIn, await read_object(request))
    team = await teams.add_team(session, actor, given.name, given.description)
    return _created(request, translate.team_json(team, full=True), team.uuid)
