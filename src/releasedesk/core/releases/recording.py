"""Writing a release's history and status comments: called by the core service that made
the change, in its transaction, never by a dialect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.releases import history, writes
from releasedesk.core.releases.history import FieldChange, HistoryValue, Operation
from releasedesk.core.releases.views import Release

MOVE_FIELDS = ("stage", "status")


async def record(
    session: AsyncSession,
    release_id: int,
    actor: Actor | None,
    operation: Operation,
    *,
    changes: Sequence[FieldChange] = (),
    description: str | None = None,
    subject: str | None = None,
    time: dt.datetime | None = None,
) -> None:
    """One history entry; `actor` None for what the system did by itself (the approval
    scheduler: a reminder, an escalation, a timeout)."""
    entry = writes.history_values(
        release_id=release_id,
        actor_id=None if actor is None else actor.user_id,
        operation=operation,
        subject=subject,
        changes=changes,
        description=description,
        time=time or dt.datetime.now(dt.UTC),
    )
    await writes.insert_rows(session, [entry], None)


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


def history_row(
    release_id: int | None,
    actor: Actor,
    operation: Operation,
    *,
    changes: Sequence[FieldChange] = (),
    description: str | None = None,
    subject: str | None = None,
    time: dt.datetime,
) -> dict[str, object]:
    """One history entry as the columns of its row, for a write that inserts it together
    with other rows (`release_id` None: of a release inserted in the same statement)."""
    return writes.history_values(
        release_id=release_id,
        actor_id=actor.user_id,
        operation=operation,
        subject=subject,
        changes=changes,
        description=description,
        time=time,
    )


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """The history rows and the status comment (if any) a change of the release's own
    fields writes."""

    history: list[dict[str, object]]
    status_comment: dict[str, object] | None


def change_record(
    actor: Actor,
    after: Release,
    before: Mapping[str, HistoryValue],
    now: dt.datetime,
    comment: str | None,
    *,
    moved: bool,
    operation: Operation = Operation.UPDATED,
) -> ChangeRecord:
    """What `record_changes` writes, as rows.

    An update records the stage/status move and the other field diffs as two entries (a
    move is what people look for in a history); another operation (close) records one.
    """
    changes = history.diff(before, history.snapshot(after))
    entries: list[dict[str, object]] = []
    if operation is not Operation.UPDATED:
        entries.append(
            history_row(after.id, actor, operation, changes=changes, description=comment, time=now)
        )
    else:
        move = [c for c in changes if c.field in MOVE_FIELDS]
        rest = [c for c in changes if c.field not in MOVE_FIELDS]
        if move:
            entries.append(
                history_row(
                    after.id, actor, Operation.MOVED, changes=move, description=comment, time=now
                )
            )
        if rest:
            entries.append(history_row(after.id, actor, Operation.UPDATED, changes=rest, time=now))
    status_comment = None
    if moved or comment:
        status_comment = writes.status_comment_values(
            release_id=after.id,
            stage_id=after.stage.id,
            status_id=after.status.id,
            comment=comment,
            commented_by_id=actor.user_id,
            commented_on=now,
        )
    return ChangeRecord(entries, status_comment)


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
    """History for a change of the release's own fields and its status comment."""
    written = change_record(actor, after, before, now, comment, moved=moved, operation=operation)
    await writes.insert_rows(session, written.history, written.status_comment)
