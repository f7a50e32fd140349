"""Writing a release's history and status comments: called by the core service that made
the change, in its transaction, never by a dialect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.releases import history, repository
from releasedesk.core.releases.history import FieldChange, HistoryValue, Operation
from releasedesk.core.releases.views import Release

MOVE_FIELDS = ("stage", "status")


async def record(
    session: AsyncSession,
    release_id: int,
    actor: Actor,
    operation: Operation,
    *,
    changes: Sequence[FieldChange] = (),
    description: str | None = None,
    subject: str | None = None,
    time: dt.datetime | None = None,
) -> None:
    """One history entry."""
    await repository.insert_history(
        session,
        release_id=release_id,
        actor_id=actor.user_id,
        operation=operation,
        subject=subject,
        changes=changes,
        description=description,
        time=time or dt.datetime.now(dt.UTC),
    )


async def record_item(
    session: AsyncSession,
    release_id: int,
    actor: Actor,
    operation: Operation,
    *,
    subject: str,
    previous: HistoryValue,
    current: HistoryValue,
    description: str | None = None,
) -> None:
    """Something hanging off the release (`subject`) added, changed or removed."""
    await record(
        session,
        release_id,
        actor,
        operation,
        subject=subject,
        description=description,
        changes=[FieldChange(subject, previous, current)],
    )


async def record_changes(
    session: AsyncSession,
    actor: Actor,
    after: Release,
    before: Mapping[str, HistoryValue],
    now: dt.datetime,
    comment: str | None,
    *,
    moved: bool,
    operation: Operation = Operation.UPDATED,
) -> None:
    """History for a change of the release's own fields and its status comment.

    An update records the stage/status move and the other field diffs as two entries (a
    move is what people look for in a history); another operation (close) records one.
    """
    changes = history.diff(before, history.snapshot(after))
    if operation is not Operation.UPDATED:
        await record(
            session, after.id, actor, operation, changes=changes, description=comment, time=now
        )
    else:
        move = [c for c in changes if c.field in MOVE_FIELDS]
        rest = [c for c in changes if c.field not in MOVE_FIELDS]
        if move:
            await record(
                session,
                after.id,
                actor,
                Operation.MOVED,
                changes=move,
                description=comment,
                time=now,
            )
        if rest:
            await record(session, after.id, actor, Operation.UPDATED, changes=rest, time=now)
    if moved or comment:
        await repository.insert_status_comment(
            session,
            release_id=after.id,
            stage_id=after.stage.id,
            status_id=after.status.id,
            comment=comment,
            commented_by_id=actor.user_id,
            commented_on=now,
        )
