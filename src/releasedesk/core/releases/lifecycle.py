"""What happens to a release after it is made: close, trash, restore, delete, assign, pickup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin, require_staff
from releasedesk.core.errors import Invalid, ReleaseDeskError
from releasedesk.core.releases import history, repository, roles
from releasedesk.core.releases.read_model import View
from releasedesk.core.releases.service import changeable_release, record_changes
from releasedesk.core.releases.text import plain_line
from releasedesk.core.workflow import service as workflow
from releasedesk.db.models import Release

CLOSURE_STAGE = "close"


@dataclass(frozen=True)
class Outcome:
    """What one id of a several-ids request came to: the release, or the error it met."""

    release_id: int
    release: View | None = None
    error: ReleaseDeskError | None = None


async def for_each_release(
    session: AsyncSession,
    release_ids: Sequence[int],
    operation: Callable[[int], Awaitable[View | None]],
) -> list[Outcome]:
    """Run `operation` per id, each in its own savepoint: one bad id undoes only itself."""
    outcomes: list[Outcome] = []
    for release_id in release_ids:
        savepoint = await session.begin_nested()
        try:
            release = await operation(release_id)
        except ReleaseDeskError as error:
            await savepoint.rollback()
            outcomes.append(Outcome(release_id, error=error))
            continue
        await savepoint.commit()
        outcomes.append(Outcome(release_id, release=release))
    return outcomes


def _comment(comment: str | None) -> str | None:
    return plain_line(comment, "comment", max_length=4000) or None if comment else None


async def _editable(
    session: AsyncSession, actor: Actor, release_id: int, collections: tuple[str, ...] = ()
) -> tuple[Release, View]:
    return await changeable_release(session, actor, release_id, collections)


async def close_release(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    *,
    status: str | None = None,
    comment: str | None = None,
) -> View:
    """Move to Closure with the named closure status (Completed by default)."""
    require_staff(actor, "close releases")
    release, current = await _editable(session, actor, release_id)
    if current.deleted_time is not None:
        raise Invalid("A release in the trash cannot be closed", "id")
    if current.stage.internal_name == CLOSURE_STAGE:
        raise Invalid("The release is already closed", "status")
    stage = await workflow.resolve_stage(session, actor.portal_id, {"name": CLOSURE_STAGE})
    closure_status = await workflow.resolve_status(
        session, actor.portal_id, stage, {"name": status or "completed"}
    )
    now = dt.datetime.now(dt.UTC)
    before = history.snapshot(current)
    release.stage_id, release.status_id = stage.id, closure_status.id
    release.completed_time = now
    release.last_updated_time = now
    release.version += 1
    after = await repository.refresh(session, release)
    await record_changes(
        session, actor, after, before, now, _comment(comment), moved=True, operation="close"
    )
    return after


async def move_to_trash(session: AsyncSession, actor: Actor, release_id: int) -> View:
    """Set deleted_time: the release leaves the lists until restored."""
    require_staff(actor, "delete releases")
    release, current = await _editable(session, actor, release_id)
    if current.deleted_time is not None:
        raise Invalid("The release is already in the trash", "id")
    release.deleted_time = dt.datetime.now(dt.UTC)
    await history.record(
        session,
        release_id=release.id,
        actor=actor,
        operation="move_to_trash",
        time=release.deleted_time,
    )
    return await repository.refresh(session, release)


async def restore_from_trash(session: AsyncSession, actor: Actor, release_id: int) -> View:
    require_staff(actor, "restore releases")
    release, current = await _editable(session, actor, release_id)
    if current.deleted_time is None:
        raise Invalid("The release is not in the trash", "id")
    release.deleted_time = None
    await history.record(
        session, release_id=release.id, actor=actor, operation="restore_from_trash"
    )
    return await repository.refresh(session, release)


async def delete_release(session: AsyncSession, actor: Actor, release_id: int) -> None:
    """Delete for good, with everything hanging off it; only from the trash, only admins."""
    require_admin(actor, "delete releases permanently")
    release, current = await _editable(session, actor, release_id)
    if current.deleted_time is None:
        raise Invalid(
            "Only a release in the trash can be deleted permanently; move it to the trash first",
            "id",
        )
    await repository.delete(session, release)


async def assign_engineer(
    session: AsyncSession, actor: Actor, release_id: int, engineer: dict[str, Any]
) -> View:
    """Make `engineer` (a technician or admin) the release engineer."""
    require_staff(actor, "assign releases")
    user = await roles.resolve_user(session, actor, engineer, field="release_engineer")
    return await _set_engineer(session, actor, release_id, user)


async def pickup(session: AsyncSession, actor: Actor, release_id: int) -> View:
    """Make the caller the release engineer."""
    require_staff(actor, "pick up releases")
    user = await roles.resolve_user(session, actor, {"id": actor.user_id})
    return await _set_engineer(session, actor, release_id, user)


async def _set_engineer(session: AsyncSession, actor: Actor, release_id: int, user: Any) -> View:
    release, current = await _editable(session, actor, release_id, ("roles",))
    if current.deleted_time is not None:
        raise Invalid("A release in the trash cannot be assigned", "id")
    role = await roles.role_by_internal_name(session, actor, roles.ENGINEER)
    roles.check_can_hold(role, user, "release_engineer")
    now = dt.datetime.now(dt.UTC)
    if await roles.set_holders(
        session, actor, release, [(role, user)], now, only_role_ids={role.id}
    ):
        release.last_updated_time = now
        release.version += 1
    return await repository.refresh(session, release)
