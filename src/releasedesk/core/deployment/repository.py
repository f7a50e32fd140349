"""All SQL of a release's deployment: its row, projects, properties and change-ticket
overrides, read for many releases at once and written as a whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.deployment.rules import PlannedProject
from releasedesk.core.deployment.views import EnvironmentOverride
from releasedesk.core.execution import repository as execution
from releasedesk.db.models import (
    ReleaseCmsEnvironment,
    ReleaseDeployment,
    ReleaseDeploymentProject,
    ReleaseDeploymentProperty,
)


@dataclass(frozen=True)
class Stored:
    """A release's deployment as stored (catalog ids, not names)."""

    pipeline_id: int | None = None
    schedule: str | None = None
    started: dt.datetime | None = None
    running_executions: int = 0
    cms_instance_id: int | None = None
    cms_override_settings: bool = False
    cms_require_change_ticket: bool | None = None
    projects: tuple[PlannedProject, ...] = ()
    properties: dict[str, str | None] = field(default_factory=dict)
    environments: tuple[EnvironmentOverride, ...] = ()


async def load(session: AsyncSession, release_ids: Collection[int]) -> dict[int, Stored]:
    """The stored deployment of each release that has one (four statements for any number)."""
    if not release_ids:
        return {}
    ids = list(release_ids)
    rows = (
        await session.execute(
            select(ReleaseDeployment).where(ReleaseDeployment.release_id.in_(ids))
        )
    ).scalars()
    projects: dict[int, list[PlannedProject]] = {}
    for p in (
        await session.execute(
            select(ReleaseDeploymentProject)
            .where(ReleaseDeploymentProject.release_id.in_(ids))
            .order_by(ReleaseDeploymentProject.priority, ReleaseDeploymentProject.position)
        )
    ).scalars():
        projects.setdefault(p.release_id, []).append(
            PlannedProject(
                p.project_id,
                p.stream_id,
                p.package_name or None,
                p.request_all_files,
                p.build_environment_id,
                p.priority,
            )
        )
    properties: dict[int, dict[str, str | None]] = {}
    for prop in (
        await session.execute(
            select(ReleaseDeploymentProperty)
            .where(ReleaseDeploymentProperty.release_id.in_(ids))
            .order_by(ReleaseDeploymentProperty.name)
        )
    ).scalars():
        properties.setdefault(prop.release_id, {})[prop.name] = prop.value
    environments: dict[int, list[EnvironmentOverride]] = {}
    for env in (
        await session.execute(
            select(ReleaseCmsEnvironment)
            .where(ReleaseCmsEnvironment.release_id.in_(ids))
            .order_by(ReleaseCmsEnvironment.environment_id)
        )
    ).scalars():
        environments.setdefault(env.release_id, []).append(
            EnvironmentOverride(env.environment_id, env.require_change_ticket)
        )
    return {
        row.release_id: Stored(
            pipeline_id=row.pipeline_id,
            schedule=row.schedule_build_expression,
            started=row.started_time,
            running_executions=row.running_executions,
            cms_instance_id=row.cms_instance_id,
            cms_override_settings=row.cms_override_settings,
            cms_require_change_ticket=row.cms_require_change_ticket,
            projects=tuple(projects.get(row.release_id, ())),
            properties=properties.get(row.release_id, {}),
            environments=tuple(environments.get(row.release_id, ())),
        )
        for row in rows
    }


async def save(session: AsyncSession, release_id: int, stored: Stored) -> None:
    """Make the release's deployment exactly `stored` (the caller holds the release's lock)."""
    await execution.ensure_row(session, release_id)
    await session.execute(
        update(ReleaseDeployment)
        .where(ReleaseDeployment.release_id == release_id)
        .values(
            pipeline_id=stored.pipeline_id,
            schedule_build_expression=stored.schedule,
            cms_instance_id=stored.cms_instance_id,
            cms_override_settings=stored.cms_override_settings,
            cms_require_change_ticket=stored.cms_require_change_ticket,
        )
    )
    for model in (ReleaseDeploymentProject, ReleaseDeploymentProperty, ReleaseCmsEnvironment):
        await session.execute(delete(model).where(model.release_id == release_id))
    if stored.projects:
        await session.execute(
            insert(ReleaseDeploymentProject),
            [
                {
                    "release_id": release_id,
                    "position": position,
                    "priority": p.priority,
                    "project_id": p.project_id,
                    "package_name": p.package_name or "",
                    "request_all_files": p.request_all_files,
                    "build_environment_id": p.build_environment_id,
                    "stream_id": p.stream_id,
                }
                for position, p in enumerate(stored.projects)
            ],
        )
    if stored.properties:
        await session.execute(
            insert(ReleaseDeploymentProperty),
            [
                {"release_id": release_id, "name": name, "value": value}
                for name, value in stored.properties.items()
            ],
        )
    if stored.environments:
        await session.execute(
            insert(ReleaseCmsEnvironment),
            [
                {
                    "release_id": release_id,
                    "environment_id": e.environment_id,
                    "require_change_ticket": e.require_change_ticket,
                }
                for e in stored.environments
            ],
        )
