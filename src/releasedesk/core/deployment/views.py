"""A release with its deployment, as dialects read it (catalog names resolved)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from releasedesk.core.execution.status import DeploymentStatus
from releasedesk.core.releases.views import Release


@dataclass(frozen=True, slots=True)
class DeployedProject:
    priority: int
    project_id: int
    project_name: str | None
    application_path: str | None
    package_name: str | None
    request_all_files: bool
    build_environment_id: int | None
    stream_id: int
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PropertyValue:
    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class EnvironmentOverride:
    environment_id: int
    require_change_ticket: bool


@dataclass(frozen=True, slots=True)
class CmsDetails:
    instance_id: int
    override_settings: bool
    require_change_ticket: bool | None
    environments: tuple[EnvironmentOverride, ...]


@dataclass(frozen=True, slots=True)
class Deployment:
    release: Release
    status: DeploymentStatus
    pipeline_id: int | None
    pipeline_name: str | None
    schedule: str | None
    started: dt.datetime | None
    ended: dt.datetime | None
    running_executions: int
    projects: tuple[DeployedProject, ...]
    properties: tuple[PropertyValue, ...]
    cms: CmsDetails | None
