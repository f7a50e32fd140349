"""What a dialect asks of a release's deployment: neutral dataclasses, values already typed.

`given` says which attributes the client sent: a replace (PUT) resets what is not given, a
merge (PATCH) leaves it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from releasedesk.core.execution.status import DeploymentStatus


@dataclass(frozen=True, slots=True)
class ProjectRequest:
    """A project to deploy; `None` is "not given" (the rules say what may be missing)."""

    project_id: int | None
    stream_id: int | None
    package_name: str | None = None
    request_all_files: bool | None = None
    build_environment_id: int | None = None
    priority: int | None = None


@dataclass(frozen=True, slots=True)
class PropertyRequest:
    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class EnvironmentOverrideRequest:
    environment_id: int
    require_change_ticket: bool


@dataclass(frozen=True, slots=True)
class CmsRequest:
    instance_id: int
    override_settings: bool | None = None
    require_change_ticket: bool | None = None
    environments: tuple[EnvironmentOverrideRequest, ...] | None = None


@dataclass(frozen=True, slots=True)
class DeploymentChanges:
    """A release with its deployment, as a write asks for it."""

    name: str | None = None
    description: str | None = None
    status: DeploymentStatus | None = None
    pipeline_id: int | None = None
    pipeline_name: str | None = None
    schedule: str | None = None
    projects: tuple[ProjectRequest, ...] | None = None
    properties: tuple[PropertyRequest, ...] | None = None
    cms: CmsRequest | None = None
    given: frozenset[str] = field(default=frozenset())

    def has(self, name: str) -> bool:
        return name in self.given
