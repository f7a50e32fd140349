"""Row locks on a release: what every write that reads before it writes takes first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from releasedesk.core.releases import references
from releasedesk.core.releases.read_repository import Part
from releasedesk.db.models import Release as ReleaseRow

COLLECTIONS = {
    Part.ROLES: ReleaseRow.role_assignments,
    Part.SERVICES: ReleaseRow.service_links,
    Part.DESCRIPTIVE_FIELDS: ReleaseRow.descriptive_fields,
}


async def lock_release(session: AsyncSession, portal_id: int, release_id: int) -> bool:
    """Take the release's row lock for the rest of the transaction; whether it exists.

    Every write that reads a release (or a child of it) and then writes calls this (or
    `references.lock_resolving`) first, so concurrent writers of one release queue here and
    each reads what the previous one committed. PostgreSQL: `SELECT … FOR UPDATE` (READ
    COMMITTED, so statements after it see the latest commit). SQLite renders no FOR UPDATE:
    writers there already hold the database's write lock from `BEGIN IMMEDIATE`.
    """
    return await references.lock_resolving(session, portal_id, release_id, {}) is not None


async def get_for_update(
    session: AsyncSession, portal_id: int, release_id: int, collections: Iterable[Part] = ()
) -> ReleaseRow | None:
    """The release row to change, locked, with only the collections the change will touch
    loaded (the others raise if touched, rather than loading behind the caller's back).

    An ORM statement, not Core: its caller changes the collections through the ORM.
    `populate_existing` makes a row already in the session take the locked read's values.
    """
    options = [selectinload(COLLECTIONS[name]) for name in collections]
    result = await session.execute(
        select(ReleaseRow)
        .where(ReleaseRow.portal_id == portal_id, ReleaseRow.id == release_id)
        .options(*options)
        .with_for_update(of=ReleaseRow)
        .execution_options(populate_existing=True)
    )
    return result.unique().scalar_one_or_none()


async def bump_version(session: AsyncSession, release_id: int) -> None:
    """Count one more change of the release (the caller holds its lock). An UPDATE of the
    column by itself (`version + 1` in SQL): no row is loaded to count."""
    await session.execute(
        update(ReleaseRow)
        .where(ReleaseRow.id == release_id)
        .values(version=ReleaseRow.version + 1)
        .execution_options(synchronize_session=False)
    )
