"""Tasks, worklogs, notes and reminders of a release, and its associations with changes
and projects: add, list, get, update, delete, each written to the release's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.errors import Invalid, NotFound, NotUnique
from releasedesk.core.releases import history, recording
from releasedesk.core.releases import writes as release_writes
from releasedesk.core.releases.access import view_release, writable_release
from releasedesk.core.releases.history import HistoryValue, Operation, person_value
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.releases.views import Person, Release
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Query
from releasedesk.core.text import plain_line
from releasedesk.core.work import repository
from releasedesk.core.work.kinds import (
    NOTE,
    REMINDER,
    TASK,
    WORKLOG,
    AssociationKind,
    ChildKind,
    ChildRow,
)
from releasedesk.core.work.values import ChildValue, check_times, column_values
from releasedesk.core.work.views import Association, Child, ReleaseSummary
from releasedesk.db.models import ReleaseAssociation

MAX_REF_LENGTH = 64
MAX_TITLE_LENGTH = 250


async def _row(
    session: AsyncSession, actor: Actor, kind: ChildKind, release: Release, child_id: int
) -> ChildRow:
    row = await repository.get_row(session, kind, release.id, child_id, actor.is_requester)
    if row is None:
        raise NotFound(f"No {kind.name} with id '{child_id}' in this release", "id")
    return row


def _snapshot(child: Child) -> dict[str, HistoryValue]:
    """A child's fields as history keeps them (people as they were, durations in minutes)."""
    values: dict[str, HistoryValue] = {}
    for name, value in child.values.items():
        if isinstance(value, Person):
            values[name] = person_value(value)
        elif isinstance(value, dt.timedelta):
            values[name] = int(value.total_seconds() // 60)
        else:
            values[name] = value
    return values


async def _refresh_notes_flag(session: AsyncSession, release: Release) -> None:
    present = await repository.has_notes(session, release.id)
    await release_writes.set_notes_present(session, release.id, present)


async def add_child(
    session: AsyncSession,
    actor: Actor,
    kind: ChildKind,
    release_id: int,
    given: Mapping[str, ChildValue],
) -> Child:
    """A new task, worklog, note or reminder on the release."""
    release = await writable_release(session, actor, release_id)
    values: dict[str, object] = dict(
        await column_values(session, actor, kind, given, creating=True)
    )
    if kind is WORKLOG:
        values.setdefault("owner_id", actor.user_id if actor.is_staff else None)
        start, end = values.get("start_time"), values.get("end_time")
        if (
            "time_spent_minutes" not in values
            and isinstance(start, dt.datetime)
            and isinstance(end, dt.datetime)
        ):
            values["time_spent_minutes"] = max(int((end - start).total_seconds() // 60), 0)
    check_times(kind, values)
    child = await repository.insert(
        session,
        kind,
        {
            **values,
            "release_id": release.id,
            "created_by_id": actor.user_id,
            "created_time": dt.datetime.now(dt.UTC),
        },
    )
    if kind is NOTE:
        await release_writes.set_notes_present(session, release.id, True)
    await recording.record_item(
        session,
        release.id,
        actor,
        Operation.ADDED,
        subject=kind.name,
        previous=None,
        current={"id": child.id, **_snapshot(child)},
        description=f"{kind.label} added",
    )
    return child


async def list_children(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, query: Query
) -> Page[Child]:
    release = await view_release(session, actor, release_id, NOTHING)
    return await repository.page(session, kind, release.id, query, actor.is_requester)


async def get_child(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, child_id: int
) -> Child:
    release = await view_release(session, actor, release_id, NOTHING)
    return repository.child_view(kind, await _row(session, actor, kind, release, child_id))


async def update_child(
    session: AsyncSession,
    actor: Actor,
    kind: ChildKind,
    release_id: int,
    child_id: int,
    given: Mapping[str, ChildValue],
) -> Child:
    """Change the fields given; the diff goes to the release's history."""
    release = await writable_release(session, actor, release_id)
    row = await _row(session, actor, kind, release, child_id)
    before = repository.child_view(kind, row)
    values: dict[str, object] = dict(
        await column_values(session, actor, kind, given, creating=False)
    )
    check_times(kind, {**{s.attribute: getattr(row, s.attribute) for s in kind.fields}, **values})
    if hasattr(row, "last_updated_time"):
        values["last_updated_time"] = dt.datetime.now(dt.UTC)
    after = await repository.update(session, kind, row, values)
    old, new = _snapshot(before), _snapshot(after)
    changes = history.diff(old, new)
    if changes:
        await recording.record(
            session,
            release.id,
            actor,
            Operation.CHANGED,
            subject=kind.name,
            description=f"{kind.label} {after.id} updated",
            changes=changes,
        )
    return after


async def delete_child(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, child_id: int
) -> None:
    release = await writable_release(session, actor, release_id)
    row = await _row(session, actor, kind, release, child_id)
    child = repository.child_view(kind, row)
    await repository.delete(session, row)
    if kind is NOTE:
        await _refresh_notes_flag(session, release)
    await recording.record_item(
        session,
        release.id,
        actor,
        Operation.REMOVED,
        subject=kind.name,
        previous={"id": child.id, **_snapshot(child)},
        current=None,
        description=f"{kind.label} deleted",
    )


# --- associations with changes and projects ----------------------------------------------


@dataclass(frozen=True)
class AssociationRef:
    """A change or project to link, by its id in the system that holds it."""

    ref_id: str
    title: str | None = None


def _checked(kind: str, ref: AssociationRef) -> AssociationRef:
    """The id: letters, digits and dashes; the title: one plain line, as long as it is kept."""
    ref_id = ref.ref_id
    if not ref_id or len(ref_id) > MAX_REF_LENGTH or not ref_id.replace("-", "").isalnum():
        raise Invalid(f"'{ref_id}' is not a {kind} id", f"{kind}.id")
    title = None
    if ref.title:
        title = plain_line(ref.title, f"{kind}.title", max_length=MAX_TITLE_LENGTH) or None
    return AssociationRef(ref_id, title)


async def associate(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, refs: list[AssociationRef]
) -> list[Association]:
    """Link the release to changes or projects; linking one twice is refused as not unique."""
    release = await writable_release(session, actor, release_id)
    if not refs:
        raise Invalid(f"name at least one {kind}", kind)
    rows: list[ReleaseAssociation] = []
    for given in refs:
        ref = _checked(kind, given)
        if await repository.association_row(
            session, release.id, kind, ref.ref_id
        ) is not None or ref.ref_id in {r.ref_id for r in rows}:
            raise NotUnique(f"{kind} '{ref.ref_id}' is already associated", f"{kind}.id")
        rows.append(
            ReleaseAssociation(
                release_id=release.id,
                kind=kind,
                ref_id=ref.ref_id,
                title=ref.title,
                created_by_id=actor.user_id,
            )
        )
    associations = await repository.insert_associations(session, rows)
    for association in associations:
        await recording.record_item(
            session,
            release.id,
            actor,
            Operation.ASSOCIATED,
            subject=kind,
            previous=None,
            current={"id": association.ref_id, "title": association.title},
        )
    return associations


async def _association_row(
    session: AsyncSession, release: Release, kind: str, ref_id: str
) -> ReleaseAssociation:
    row = await repository.association_row(session, release.id, kind, ref_id)
    if row is None:
        raise NotFound(f"{kind} '{ref_id}' is not associated with this release", "id")
    return row


async def list_associations(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, query: Query
) -> Page[Association]:
    release = await view_release(session, actor, release_id, NOTHING)
    return await repository.associations(session, release.id, kind, query)


async def get_association(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, ref_id: str
) -> Association:
    release = await view_release(session, actor, release_id, NOTHING)
    return repository.association_view(await _association_row(session, release, kind, ref_id))


async def dissociate(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, ref_id: str
) -> None:
    release = await writable_release(session, actor, release_id)
    row = await _association_row(session, release, kind, ref_id)
    title = row.title
    await repository.delete(session, row)
    await recording.record_item(
        session,
        release.id,
        actor,
        Operation.DISSOCIATED,
        subject=kind,
        previous={"id": ref_id, "title": title},
        current=None,
    )


# --- summary ------------------------------------------------------------------------------


async def release_summary(session: AsyncSession, actor: Actor, release_id: int) -> ReleaseSummary:
    """Counts of what hangs off the release, from stored rows."""
    release = await view_release(session, actor, release_id, NOTHING)
    return ReleaseSummary(
        release_id=release.id,
        tasks=await repository.count(session, TASK, release.id),
        closed_tasks=await repository.count(session, TASK, release.id, TASK.closed_choices),
        worklogs=await repository.count(session, WORKLOG, release.id),
        approvals=await repository.count_approvals(session, release.id),
        changes=await repository.count_associations(session, release.id, AssociationKind.CHANGE),
        projects=await repository.count_associations(session, release.id, AssociationKind.PROJECT),
        reminders=await repository.count(session, REMINDER, release.id),
    )
