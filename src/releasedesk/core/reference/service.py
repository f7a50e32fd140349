"""A portal's reference data (stages, statuses, templates, lookups) held in the process per
portal version, so that resolving a reference or offering choices reads no table.

Every service that changes reference data calls `changed` in the same transaction: it bumps
`portals.reference_version`. A unit of work that uses reference data reads the version once
(one indexed read, the first time it asks), and is served the parts held for that
(portal, version), loading a part the first time a version asks for it. So two processes
agree: a change committed through one is seen by every unit of work the other begins after
the commit (the bound is the commit itself; no polling, no listener). The data is loaded
after the version is read, so a part may be newer than its key, never older.

Not held (None: the caller asks the database as before): a session no unit of work made,
and a portal whose reference data the session itself changed (its own uncommitted rows
must neither be cached nor hidden by the cache).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.reference import repository
from releasedesk.core.reference.held import HeldReference
from releasedesk.core.reference.views import Lookups, Workflow
from releasedesk.db.session import held_by

T = TypeVar("T")

_HELD = "reference"
_VERSIONS = "releasedesk.reference_versions"
_CHANGED = "releasedesk.reference_changed"
WORKFLOW = "workflow"


def held(session: AsyncSession) -> HeldReference | None:
    """The process's held reference data for `session`'s Database (stats: hits, misses)."""
    memo = held_by(session)
    if memo is None:
        return None
    found = memo.get(_HELD)
    if not isinstance(found, HeldReference):
        found = memo[_HELD] = HeldReference()
    return found


async def changed(session: AsyncSession, portal_id: int) -> None:
    """Call in the transaction that changes a portal's reference data: a new version,
    committed with the change (and this session stops using the held data)."""
    await repository.bump(session, portal_id)
    session.info.setdefault(_CHANGED, set()).add(portal_id)
    session.info.get(_VERSIONS, {}).pop(portal_id, None)


async def _version(session: AsyncSession, portal_id: int) -> int | None:
    if portal_id in session.info.get(_CHANGED, ()):
        return None
    versions: dict[int, int | None] = session.info.setdefault(_VERSIONS, {})
    if portal_id not in versions:
        versions[portal_id] = await repository.version(session, portal_id)
    return versions[portal_id]


async def held_part(
    session: AsyncSession,
    portal_id: int,
    part: str,
    kind: type[T],
    load: Callable[[AsyncSession, int], Awaitable[T]],
) -> T | None:
    """The portal's `part` as held for its current version, `load`ed the first time that
    version asks; None: not held (ask the database). Any part whose changes call `changed`
    may be held so (the webhook subscriptions a release write reads, core/webhooks)."""
    cache = held(session)
    if cache is None:
        return None
    version = await _version(session, portal_id)
    if version is None:
        return None
    key = (portal_id, version, part)
    found = cache.get(key)
    if not isinstance(found, kind):
        found = await load(session, portal_id)
        cache.put(key, found)
    return found


async def workflow(session: AsyncSession, portal_id: int) -> Workflow | None:
    """The portal's stages, statuses and templates as held, or None (ask the database)."""
    return await held_part(session, portal_id, WORKFLOW, Workflow, repository.workflow)


async def lookups(session: AsyncSession, portal_id: int, kind: str) -> Lookups | None:
    """The portal's values of `kind` (a key of LOOKUP_MODELS) as held, or None."""

    async def load(s: AsyncSession, portal: int) -> Lookups:
        return await repository.lookups(s, portal, kind)

    return await held_part(session, portal_id, kind, Lookups, load)
