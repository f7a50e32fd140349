"""Read endpoints of the deployment catalog the release rules check against."""

from __future__ import annotations

from releasedesk.api.deps import Session
from releasedesk.api.flexdeploy import translate
from releasedesk.api.flexdeploy.answers import MANY, ONE
from releasedesk.api.flexdeploy.auth import CurrentActor
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.wire_values import MAX_ID_DIGITS, is_digits
from releasedesk.core.catalog import service as catalog
from releasedesk.core.errors import NotFound

routes = Routes()


def _id(raw: str, what: str) -> int:
    if not is_digits(raw) or len(raw) > MAX_ID_DIGITS:
        raise NotFound(f"{what.capitalize()} '{raw}' not found", f"{what}Id")
    return int(raw)


@routes.get("/pipelines", answers=MANY)
async def list_pipelines(session: Session, actor: CurrentActor) -> JsonResponse:
    """Every pipeline, with its property definitions and project groups."""
    return JsonResponse(
        [translate.pipeline_json(p) for p in await catalog.list_pipelines(session, actor)]
    )


@routes.get("/pipelines/{pipeline_id}", answers=ONE)
async def get_pipeline(pipeline_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    found = await catalog.get_pipeline(session, actor, _id(pipeline_id, "pipeline"))
    return JsonResponse(translate.pipeline_json(found))


@routes.get("/projects", answers=MANY)
async def list_projects(session: Session, actor: CurrentActor) -> JsonResponse:
    """Every project, with its streams and build environments."""
    return JsonResponse(
        [translate.project_json(p) for p in await catalog.list_projects(session, actor)]
    )


@routes.get("/projects/{project_id}", answers=ONE)
async def get_project(project_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    found = await catalog.get_project(session, actor, _id(project_id, "project"))
    return JsonResponse(translate.project_json(found))


@routes.get("/environments", answers=MANY)
async def list_environments(session: Session, actor: CurrentActor) -> JsonResponse:
    return JsonResponse(
        [translate.environment_json(e) for e in await catalog.list_environments(session, actor)]
    )


@routes.get("/cmsinstances", answers=MANY)
async def list_cms_instances(session: Session, actor: CurrentActor) -> JsonResponse:
    return JsonResponse(
        [translate.cms_instance_json(c) for c in await catalog.list_cms_instances(session, actor)]
    )
