"""Loading a release to read or to change it, with the permission checks every caller needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, can_view_release, require_edit_release
from releasedesk.core.errors import Conflict, Forbidden, Invalid, NotFound
from releasedesk.core.refs import Ref
from releasedesk.core.releases import locks, read_repository, references
from releasedesk.core.releases.parts import EVERYTHING, NOTHING, Part
from releasedesk.core.releases.views import Named, Release
from releasedesk.db.models import Release as ReleaseRow


def _not_found(release_id: int) -> NotFound:
    return NotFound(f"No release with id '{release_id}'", "id")


async def view_release(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    parts: frozenset[Part] = EVERYTHING,
) -> Release:
    """A release as responses show it, if the caller may see it; reads that only need the
    permission check ask for no parts (the roles are always loaded: permissions need them)."""
    release = await read_repository.load_one(session, release_id, parts | {Part.ROLES})
    if release is None or release.portal_id != actor.portal_id:
        raise _not_found(release_id)
    if not can_view_release(actor, release.access()):
        raise Forbidden("You are not allowed to view this release")
    return release


async def _locked_view(
    session: AsyncSession, actor: Actor, release_id: int, parts: frozenset[Part]
) -> Release:
    """Lock first, then read: what the caller checks is what it changes."""
    if not await locks.lock_release(session, actor.portal_id, release_id):
        raise _not_found(release_id)
    release = await view_release(session, actor, release_id, parts)
    require_edit_release(actor, release.access())
    return release


def require_version(current: Release, expected_version: int | None) -> None:
    """Optimistic locking: a change made from an older reading of the release (its
    `version` then) is refused rather than silently overwriting what came since."""
    if expected_version is not None and expected_version != current.version:
        raise Conflict(
            f"The release has changed since version {expected_version}; it is at version "
            f"{current.version} now: read it again and repeat the change",
            "version",
        )


async def changeable_view(
    session: AsyncSession, actor: Actor, release_id: int, *, expected_version: int | None = None
) -> Release:
    """How the release to change stands now, locked, after checking the caller may edit it
    (and, when the caller says which version it changes, that it is still at it): for a
    change of its own columns, written without loading the ORM row."""
    current, _ = await changeable_view_resolving(
        session, actor, release_id, {}, expected_version=expected_version
    )
    return current


async def changeable_view_resolving(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    lookups: Mapping[str, tuple[str, Ref]],
    *,
    expected_version: int | None = None,
) -> tuple[Release, dict[str, Named | None]]:
    """`changeable_view`, resolving the lookups a change names in the statement that takes
    the lock (one round trip fewer; see `references.resolve_references`)."""
    found = await references.lock_resolving(session, actor.portal_id, release_id, lookups)
    if found is None:
        raise _not_found(release_id)
    current = await view_release(session, actor, release_id, EVERYTHING)
    require_edit_release(actor, current.access())
    require_version(current, expected_version)
    return current, found


async def release_row(
    session: AsyncSession, actor: Actor, release_id: int, collections: Iterable[Part]
) -> ReleaseRow:
    """The ORM row of a release the caller already locked, with `collections` loaded."""
    entity = await locks.get_for_update(session, actor.portal_id, release_id, collections)
    if entity is None:
        raise _not_found(release_id)
    return entity


async def changeable_release(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    collections: Iterable[Part] = (),
    *,
    expected_version: int | None = None,
) -> tuple[ReleaseRow, Release]:
    """The release to change (the ORM row, `collections` loaded) and how it stands now,
    locked and after checking the caller may edit it (and, when the caller says which
    version it changes, that the release is still at that version)."""
    current = await changeable_view(session, actor, release_id, expected_version=expected_version)
    return await release_row(session, actor, release_id, collections), current


async def writable_release(session: AsyncSession, actor: Actor, release_id: int) -> Release:
    """A release whose tasks, notes, approvals, … the caller is about to change: locked (so
    concurrent child writes of one release queue), editable, and not in the trash."""
    release = await _locked_view(session, actor, release_id, NOTHING)
    if release.in_trash:
        raise Invalid("A release in the trash cannot be changed; restore it first", "id")
    # A change of what hangs off the release is a change of the release: its version moves
    # (under the lock just taken), so a client holding an older version learns of it.
    await locks.bump_version(session, release_id)
    release.version += 1  # the view answers what the release is now, not what it was
    return release
