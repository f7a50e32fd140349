"""What the release workflow asks of a release's execution when the release moves, whichever
API moved it: it does not end while pipeline executions of it run, and entering the work
stages marks when it started (FlexDeploy's startDate). Below releases/, so that its service
and lifecycle ask this without importing deployment/ (which builds on releases/)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid
from releasedesk.core.execution import repository
from releasedesk.core.execution.status import status_of


def check_end(running_executions: int) -> None:
    """A release does not end while pipeline executions of it run."""
    if running_executions > 0:
        raise Invalid(
            f"Cannot end the release: {running_executions} pipeline execution"
            f"{'s are' if running_executions != 1 else ' is'} running",
            "status",
        )


async def require_can_end(session: AsyncSession, release_id: int) -> None:
    """Refuse to close a release while pipeline executions of it are running."""
    check_end(await repository.running_executions(session, release_id))


async def on_stage(
    session: AsyncSession, release_id: int, stage_internal_name: str, now: dt.datetime
) -> None:
    """The release now stands in this stage: the first time it is under way, it started."""
    if status_of(stage_internal_name, "").is_under_way:
        await repository.note_started(session, release_id, now)
