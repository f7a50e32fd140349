"""A release's deployment in its history: one `deployment` entry per write that changed it,
with a diff per attribute (pipeline, schedule, projects, properties, cms details) in the
core's neutral history values."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.deployment.repository import Stored
from releasedesk.core.releases import recording
from releasedesk.core.releases.history import FieldChange, HistoryValue, Operation

SUBJECT = "deployment"


def snapshot(stored: Stored) -> dict[str, HistoryValue]:
    return {
        "pipeline": stored.pipeline_id,
        "schedule_build_expression": stored.schedule,
        "projects": [
            {
                "project_id": p.project_id,
                "stream_id": p.stream_id,
                "package_name": p.package_name,
                "request_all_files": p.request_all_files,
                "build_environment_id": p.build_environment_id,
                "priority": p.priority,
            }
            for p in stored.projects
        ],
        "properties": [{"name": k, "value": v} for k, v in sorted(stored.properties.items())],
        "cms_details": (
            None
            if stored.cms_instance_id is None
            else {
                "cms_instance_id": stored.cms_instance_id,
                "override_settings": stored.cms_override_settings,
                "require_change_ticket": stored.cms_require_change_ticket,
                "environments": [
                    {
                        "environment_id": e.environment_id,
                        "require_change_ticket": e.require_change_ticket,
                    }
                    for e in stored.environments
                ],
            }
        ),
    }


async def record_change(
    session: AsyncSession, actor: Actor, release_id: int, before: Stored, after: Stored
) -> None:
    """One history entry with what changed, or none when nothing did."""
    old, new = snapshot(before), snapshot(after)
    changes = [FieldChange(name, old[name], new[name]) for name in new if old[name] != new[name]]
    if changes:
        await recording.record(
            session, release_id, actor, Operation.CHANGED, changes=changes, subject=SUBJECT
        )
