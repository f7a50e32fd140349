"""What happens to a release after it is made: close, trash, restore, delete, assign, pickup."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin, require_staff
from releasedesk.core.audit.views import AuditKind
from releasedesk.core.errors import Invalid, ReleaseDeskError
from releasedesk.core.execution import gate as execution_gate
from releasedesk.core.refs import Ref
from releasedesk.core.releases import announce, auditing, history, recording, roles, writes
from releasedesk.core.releases.access import changeable_release, changeable_view
from releasedesk.core.releases.history import Operation
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.views import Release
from releasedesk.core.stage_approval import gate as stage_gate
from releasedesk.core.text import comment_text
from releasedesk.core.webhooks.names import EventType
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.names import ClosureStatus, RoleName, StageName
from releasedesk.db.models import User


class NotInTrash(Invalid):
    """A restore or permanent delete of a release that is not in the trash (it may have been
    restored or deleted meanwhile): an Invalid to the dialects, which answer it as before;
    a front that shows the trash can tell it apart."""


@dataclass(frozen=True)
class Outcome:
    """What one id of a several-ids request came to: the release, or the error it met."""

    release_id: int
    release: Release | None = None
    error: ReleaseDeskError | None = None


async def for_each_release(
    session: AsyncSession,
    release_ids: Sequence[int],
    operation: Callable[[int], Awaitable[Release | None]],
) -> list[Outcome]:
    """Run `operation` per id, each in its own savepoint: one bad id undoes only itself.

    The ids are worked in ascending order (each takes its release's lock and keeps it to the
    end of the transaction), so two requests naming the same releases in different orders
    queue instead of deadlocking; the outcomes come back in the order the ids were given.
    """
    outcomes: dict[int, Outcome] = {}
    for release_id in sorted(set(release_ids)):
        savepoint = await session.begin_nested()
        try:
            release = await operation(release_id)
        except ReleaseDeskError as error:
            await savepoint.rollback()
            outcomes[release_id] = Outcome(release_id, error=error)
            continue
        await savepoint.commit()
        outcomes[release_id] = Outcome(release_id, release=release)
    return [outcomes[release_id] for release_id in release_ids]


async def close_release(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    *,
    status: Ref | None = None,
    comment: str | None = None,
) -> Release:
    """Move to Closure with the named closure status (Completed by default).

    Like every lifecycle write of the release's own columns: lock and read it once, write
    the columns with the history (one statement on PostgreSQL), and answer from what was
    written rather than reading it back.
    """
    require_staff(actor, "close releases")
    current = await changeable_view(session, actor, release_id)
    if current.in_trash:
        raise Invalid("A release in the trash cannot be closed", "id")
    if current.stage.is_closure:
        raise Invalid("The release is already closed", "status")
    stage = await workflow.resolve_stage(session, actor.portal_id, Ref(name=StageName.CLOSE))
    closure_status = await workflow.resolve_status(
        session, actor.portal_id, stage, status or Ref(name=ClosureStatus.COMPLETED)
    )
    if closure_status.internal_name != ClosureStatus.CANCELED:  # canceling ends any approval
        await stage_gate.require_approved_to_leave(session, current.id, current.stage, stage)
    await execution_gate.require_can_end(session, current.id)
    now = dt.datetime.now(dt.UTC)
    before = history.snapshot(current)
    after = dataclasses.replace(
        current,
        stage=stage,
        status=closure_status,
        completed_time=now,
        last_updated_time=now,
        version=current.version + 1,
    )
    written = recording.change_record(
        actor, after, before, now, comment_text(comment), moved=True, operation=Operation.CLOSED
    )
    values = {
        "stage_id": stage.id,
        "status_id": closure_status.id,
        "completed_time": now,
        "last_updated_time": now,
        "version": after.version,
    }
    await writes.update_and_record(
        session, current.id, values, written.history, written.status_comment
    )
    await auditing.record_closed(session, actor, after, comment_text(comment))
    # As an update into Closure announces it: the stage reached, then the close.
    await announce.changed(session, actor, current, after, (), now)
    return after


async def _set_deleted_time(
    session: AsyncSession,
    actor: Actor,
    current: Release,
    deleted_time: dt.datetime | None,
    operation: Operation,
) -> Release:
    """Into the trash (a time) or out of it (None), with its history entry."""
    now = dt.datetime.now(dt.UTC)
    after = dataclasses.replace(current, deleted_time=deleted_time, version=current.version + 1)
    entry = recording.history_row(current.id, actor, operation, time=now)
    await writes.update_and_record(
        session,
        current.id,
        {"deleted_time": deleted_time, "version": after.version},
        [entry],
        None,
    )
    return after


async def move_to_trash(session: AsyncSession, actor: Actor, release_id: int) -> Release:
    """Set deleted_time: the release leaves the lists until restored."""
    require_staff(actor, "delete releases")
    current = await changeable_view(session, actor, release_id)
    if current.in_trash:
        raise Invalid("The release is already in the trash", "id")
    now = dt.datetime.now(dt.UTC)
    await auditing.record(session, actor, current, AuditKind.RELEASE_TRASHED)
    trashed = await _set_deleted_time(session, actor, current, now, Operation.TRASHED)
    await announce.lifecycle(session, actor, trashed, EventType.RELEASE_TRASHED)
    return trashed


async def restore_from_trash(session: AsyncSession, actor: Actor, release_id: int) -> Release:
    """Bring a release back from the trash into the lists."""
    require_staff(actor, "restore releases")
    current = await changeable_view(session, actor, release_id)
    if not current.in_trash:
        raise NotInTrash("The release is not in the trash", "id")
    await auditing.record(session, actor, current, AuditKind.RELEASE_RESTORED)
    restored = await _set_deleted_time(session, actor, current, None, Operation.RESTORED)
    await announce.lifecycle(session, actor, restored, EventType.RELEASE_RESTORED)
    return restored


async def delete_release(session: AsyncSession, actor: Actor, release_id: int) -> None:
    """Delete for good, with everything hanging off it; only from the trash, only admins."""
    require_admin(actor, "delete releases permanently")
    current = await changeable_view(session, actor, release_id)
    if not current.in_trash:
        raise NotInTrash(
            "Only a release in the trash can be deleted permanently; move it to the trash first",
            "id",
        )
    await writes.delete_by_id(session, current.id)
    await auditing.record(session, actor, current, AuditKind.RELEASE_DELETED)
    await announce.lifecycle(session, actor, current, EventType.RELEASE_DELETED)


ENGINEER_FIELD = "release_engineer"


async def assign_engineer(
    session: AsyncSession, actor: Actor, release_id: int, engineer: Ref
) -> Release:
    """Make `engineer` (a technician or admin) the release engineer."""
    require_staff(actor, "assign releases")
    user = await roles.resolve_user(session, actor, engineer, field=ENGINEER_FIELD)
    return await _set_engineer(session, actor, release_id, user)


async def pickup(session: AsyncSession, actor: Actor, release_id: int) -> Release:
    """Make the caller the release engineer."""
    require_staff(actor, "pick up releases")
    user = await roles.resolve_user(session, actor, Ref(id=actor.user_id))
    return await _set_engineer(session, actor, release_id, user)


async def _set_engineer(
    session: AsyncSession, actor: Actor, release_id: int, user: User
) -> Release:
    release, current = await changeable_release(session, actor, release_id, (Part.ROLES,))
    if current.in_trash:
        raise Invalid("A release in the trash cannot be assigned", "id")
    role = await roles.role_by_internal_name(session, actor, RoleName.ENGINEER)
    roles.check_can_hold(role, user, ENGINEER_FIELD)
    now = dt.datetime.now(dt.UTC)
    if await roles.set_holders(
        session, actor, release, [(role, user)], now, only_role_ids={role.id}
    ):
        release.last_updated_time = now
        release.version += 1
    return await writes.refresh(session, release)
