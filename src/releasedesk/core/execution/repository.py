"""The SQL of a release's execution: its deployment row's start mark and running executions
(the rest of the row is deployment/repository.py's)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import ReleaseDeployment


async def ensure_row(session: AsyncSession, release_id: int) -> None:
    """The release's deployment row, made empty the first time anything is kept in it."""
    exists = await session.execute(
        select(ReleaseDeployment.release_id).where(ReleaseDeployment.release_id == release_id)
    )
    if exists.scalar_one_or_none() is None:
        await session.execute(
            insert(ReleaseDeployment).values(
                release_id=release_id, running_executions=0, cms_override_settings=False
            )
        )


async def note_started(session: AsyncSession, release_id: int, when: dt.datetime) -> None:
    """The release started now, unless it had started before."""
    await ensure_row(session, release_id)
    await session.execute(
        update(ReleaseDeployment)
        .where(ReleaseDeployment.release_id == release_id, ReleaseDeployment.started_time.is_(None))
        .values(started_time=when)
    )


async def running_executions(session: AsyncSession, release_id: int) -> int:
    found = await session.execute(
        select(ReleaseDeployment.running_executions).where(
            ReleaseDeployment.release_id == release_id
        )
    )
    return found.scalar_one_or_none() or 0


async def set_running_executions(session: AsyncSession, release_id: int, count: int) -> None:
    await ensure_row(session, release_id)
    await session.execute(
        update(ReleaseDeployment)
        .where(ReleaseDeployment.release_id == release_id)
        .values(running_executions=count)
    )
