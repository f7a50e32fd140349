"""What the release workflow asks of deployments when a release moves, whichever API moved
it: a release does not end while pipeline executions of it run, and entering the work
stages marks when it started (FlexDeploy's startDate)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.deployment import repository, rules
from releasedesk.core.deployment.status import DeploymentStatus, status_of


async def require_can_end(session: AsyncSession, release_id: int) -> None:
    """Refuse to close a release while pipeline executions of it are running."""
    rules.check_end(await repository.running_executions(session, release_id))


async def on_stage(
    session: AsyncSession, release_id: int, stage_internal_name: str, now: dt.datetime
) -> None:
    """The release now stands in this stage: the first time it is under way, it started."""
    if status_of(stage_internal_name, "").is_under_way:
        await repository.note_started(session, release_id, now)


def is_started(stage_internal_name: str) -> bool:
    return status_of(stage_internal_name, "") is not DeploymentStatus.NOT_STARTED
