"""FlexDeploy JSON ⇄ the core: the wire input to DeploymentChanges, a Deployment view (and
the catalog's views) to the JSON the spec shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from releasedesk.api.flexdeploy.wire import CmsIn, ReleaseIn
from releasedesk.core.catalog.views import CmsInstance, Environment, Pipeline, Project
from releasedesk.core.deployment.schemas import (
    CmsRequest,
    DeploymentChanges,
    EnvironmentOverrideRequest,
    ProjectRequest,
    PropertyRequest,
)
from releasedesk.core.deployment.views import Deployment
from releasedesk.core.errors import Invalid, Mandatory, ReleaseDeskError, WrongType
from releasedesk.core.execution.status import parse_status

# core names → FlexDeploy's, for the fields the core's errors name
FIELD_NAMES = {
    "name": "releaseName",
    "title": "releaseName",
    "status": "releaseStatus",
    "stage": "releaseStatus",
    "id": "releaseId",
}


def field_name(field: str | None) -> str | None:
    return None if field is None else FIELD_NAMES.get(field, field)


def _loc(loc: tuple[int | str, ...]) -> str:
    """("projects", 0, "projectId") as projects[0].projectId; Pydantic's union member names
    (str, int, …) are not fields."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not any(ch in part for ch in "[]()-") and part not in ("str", "int", "bool", "float"):
            out += f".{part}" if out else part
    return out or "body"


def validation_error(exc: ValidationError, entity: str = "a release") -> ReleaseDeskError:
    """The first error Pydantic found, in FlexDeploy's words; `entity` is what the body
    describes ("a release", "a release's executions")."""
    first = exc.errors()[0]
    field = _loc(tuple(first["loc"]))
    if first["type"] == "missing":
        return Mandatory(field, f"'{field}' is required")
    if first["type"] == "extra_forbidden":
        return Invalid(f"'{field}' is not an attribute of {entity}", field)
    return WrongType(f"'{field}': {first['msg']}", field)


def parse_release(payload: dict[str, Any]) -> ReleaseIn:
    try:
        return ReleaseIn.model_validate(payload)
    except ValidationError as exc:
        raise validation_error(exc) from None


def _value(value: object) -> str | None:
    """A property value as its text: 3 and 3.0 as "3", 0.5 as "0.5", 1e308 as "1e+308" (a
    float is written out as a whole number only while it is exactly one, below 2**53)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _cms(cms: CmsIn) -> CmsRequest:
    default = cms.overriddenDefaultConfigurations
    return CmsRequest(
        instance_id=cms.cmsInstanceId,
        override_settings=cms.overrideSettings,
        require_change_ticket=None if default is None else default.requireChangeTicketForDeployment,
        environments=(
            None
            if cms.overriddenEnvironmentConfigurations is None
            else tuple(
                EnvironmentOverrideRequest(e.environmentId, e.requireChangeTicketForDeployment)
                for e in cms.overriddenEnvironmentConfigurations
            )
        ),
    )


def to_changes(release: ReleaseIn, release_id: int | None = None) -> DeploymentChanges:
    """The core's changes; `given` holds the attributes sent (even as null)."""
    if release_id is not None and release.releaseId is not None and release.releaseId != release_id:
        raise Invalid(
            f"releaseId {release.releaseId} in the body is not the release {release_id} of the "
            "path",
            "releaseId",
        )
    status = None
    if release.releaseStatus is not None:
        status = parse_status(release.releaseStatus)
        if status is None:
            raise Invalid(
                f"'{release.releaseStatus}' is not a release status: give NOTSTARTED or STARTED",
                "releaseStatus",
            )
    return DeploymentChanges(
        name=release.releaseName,
        description=release.description,
        status=status,
        pipeline_id=release.pipelineId,
        pipeline_name=release.pipelineName,
        schedule=release.scheduleBuildExpression,
        projects=(
            None
            if release.projects is None
            else tuple(
                ProjectRequest(
                    project_id=p.projectId,
                    stream_id=p.projectStreamId,
                    package_name=p.packageName,
                    request_all_files=p.requestAllFiles,
                    build_environment_id=p.buildEnvironmentId,
                    priority=p.priority,
                )
                for p in release.projects
            )
        ),
        properties=(
            None
            if release.properties is None
            else tuple(
                PropertyRequest(p.propertyName, _value(p.propertyValue)) for p in release.properties
            )
        ),
        cms=None if release.cmsDetails is None else _cms(release.cmsDetails),
        given=frozenset(release.model_fields_set),
    )


def _date(value: dt.datetime | None) -> str | None:
    """FlexDeploy shows dates as the spec's samples do: 2019-02-13 (UTC)."""
    return None if value is None else value.astimezone(dt.UTC).date().isoformat()


def release_json(deployment: Deployment) -> dict[str, Any]:
    release = deployment.release
    cms = deployment.cms
    return {
        "releaseId": release.id,
        "releaseName": release.title,
        "releaseStatus": deployment.status.value,
        "description": release.description,
        "pipelineId": deployment.pipeline_id,
        "pipelineName": deployment.pipeline_name,
        "startDate": _date(deployment.started),
        "endDate": _date(deployment.ended),
        "scheduleBuildExpression": deployment.schedule,
        "projects": [
            {
                "priority": p.priority,
                "projectId": p.project_id,
                "projectName": p.project_name,
                "packageName": p.package_name,
                "requestAllFiles": p.request_all_files,
                "applicationPath": p.application_path,
                "buildEnvironmentId": p.build_environment_id,
                "projectStreamId": p.stream_id,
                "projectGroups": ",".join(p.groups) if p.groups else None,
            }
            for p in deployment.projects
        ],
        "cmsDetails": (
            None
            if cms is None
            else {
                "cmsInstanceId": cms.instance_id,
                "overrideSettings": cms.override_settings,
                "overriddenDefaultConfigurations": (
                    None
                    if cms.require_change_ticket is None
                    else {"requireChangeTicketForDeployment": cms.require_change_ticket}
                ),
                "overriddenEnvironmentConfigurations": (
                    [
                        {
                            "environmentId": e.environment_id,
                            "requireChangeTicketForDeployment": e.require_change_ticket,
                        }
                        for e in cms.environments
                    ]
                    or None
                ),
            }
        ),
        "properties": [
            {"propertyName": p.name, "propertyValue": p.value} for p in deployment.properties
        ],
    }


def pipeline_json(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "pipelineId": pipeline.id,
        "pipelineName": pipeline.name,
        "properties": [{"name": p.name, "required": p.required} for p in pipeline.properties],
        "projectGroups": [
            {"name": g.name, "projects": list(g.project_ids)} for g in pipeline.groups
        ],
    }


def project_json(project: Project) -> dict[str, Any]:
    return {
        "projectId": project.id,
        "projectName": project.name,
        "applicationPath": project.application_path,
        "partialDeployment": project.partial_deployment,
        "streams": [{"projectStreamId": s.id, "streamName": s.name} for s in project.streams],
        "buildEnvironments": list(project.build_environment_ids),
    }


def environment_json(environment: Environment) -> dict[str, Any]:
    return {"environmentId": environment.id, "environmentName": environment.name}


def cms_instance_json(instance: CmsInstance) -> dict[str, Any]:
    return {"cmsInstanceId": instance.id, "cmsInstanceName": instance.name}
