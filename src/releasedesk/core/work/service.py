"""Tasks, worklogs, notes and reminders of a release, and its associations with changes
and projects: add, list, get, update, delete, each written to the release's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_edit_release
from releasedesk.core.errors import Invalid, NotFound, NotUnique, WrongType
from releasedesk.core.releases import history
from releasedesk.core.releases import repository as releases_repository
from releasedesk.core.releases.read_model import View
from releasedesk.core.releases.service import access_of, view_release
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Query
from releasedesk.core.work import repository
from releasedesk.core.work.kinds import ChildKind, FieldType
from releasedesk.core.work.values import check_times, column_values
from releasedesk.db.models import ReleaseAssociation

MAX_REF_LENGTH = 64


async def _writable_release(session: AsyncSession, actor: Actor, release_id: int) -> View:
    await releases_repository.lock_release(session, actor.portal_id, release_id)  # first
    release = await view_release(session, actor, release_id, frozenset())
    require_edit_release(actor, access_of(release))
    if release.deleted_time is not None:
        raise Invalid("A release in the trash cannot be changed; restore it first", "id")
    return release


async def _child(session: AsyncSession, kind: ChildKind, release: View, child_id: int) -> Any:
    row = await repository.get(session, kind, release.id, child_id)
    if row is None:
        raise NotFound(f"No {kind.name} with id '{child_id}' in this release", "id")
    return row


def _snapshot(kind: ChildKind, row: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in kind.fields:
        value = getattr(row, spec.attribute)
        if spec.type is FieldType.DATETIME:
            value = history.epoch_ms(value)
        elif spec.type is FieldType.STAFF:
            value = history.user_snapshot(getattr(row, spec.name))
        values[spec.name] = value
    return values


async def _refresh_notes_flag(session: AsyncSession, release: View) -> None:
    present = await repository.has_notes(session, release.id)
    await releases_repository.set_notes_present(session, release.id, present)


async def add_child(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, given: Mapping[str, Any]
) -> Any:
    """A new task, worklog, note or reminder on the release."""
    release = await _writable_release(session, actor, release_id)
    values = await column_values(session, actor, kind, given, creating=True)
    if kind.name == "worklog":
        values.setdefault("owner_id", actor.user_id if actor.is_staff else None)
        start, end = values.get("start_time"), values.get("end_time")
        if "time_spent_minutes" not in values and start is not None and end is not None:
            values["time_spent_minutes"] = max(int((end - start).total_seconds() // 60), 0)
    model: Any = kind.model
    row = model(
        release_id=release.id,
        created_by_id=actor.user_id,
        created_time=dt.datetime.now(dt.UTC),
        **values,
    )
    check_times(kind, row)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    if kind.name == "note":
        await releases_repository.set_notes_present(session, release.id, True)
    await history.record_item(
        session,
        release_id=release.id,
        actor=actor,
        operation=f"{kind.name}_add",
        field=kind.name,
        previous=None,
        current={"id": row.id, **_snapshot(kind, row)},
        description=f"{kind.label} added",
    )
    return row


async def list_children(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, query: Query
) -> Page:
    release = await view_release(session, actor, release_id, frozenset())
    return await repository.page(session, kind, release.id, query)


async def get_child(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, child_id: int
) -> Any:
    release = await view_release(session, actor, release_id, frozenset())
    return await _child(session, kind, release, child_id)


async def update_child(
    session: AsyncSession,
    actor: Actor,
    kind: ChildKind,
    release_id: int,
    child_id: int,
    given: Mapping[str, Any],
) -> Any:
    """Change the fields given; the diff goes to the release's history."""
    release = await _writable_release(session, actor, release_id)
    row = await _child(session, kind, release, child_id)
    before = _snapshot(kind, row)
    for attribute, value in (
        await column_values(session, actor, kind, given, creating=False)
    ).items():
        setattr(row, attribute, value)
    check_times(kind, row)
    if hasattr(row, "last_updated_time"):
        row.last_updated_time = dt.datetime.now(dt.UTC)
    await session.flush()
    await session.refresh(row)
    changes = history.diff(before, _snapshot(kind, row))
    if changes:
        await history.record(
            session,
            release_id=release.id,
            actor=actor,
            operation=f"{kind.name}_update",
            description=f"{kind.label} {row.id} updated",
            changes=changes,
        )
    return row


async def delete_child(
    session: AsyncSession, actor: Actor, kind: ChildKind, release_id: int, child_id: int
) -> None:
    release = await _writable_release(session, actor, release_id)
    row = await _child(session, kind, release, child_id)
    snapshot = {"id": row.id, **_snapshot(kind, row)}
    await session.delete(row)
    await session.flush()
    if kind.name == "note":
        await _refresh_notes_flag(session, release)
    await history.record_item(
        session,
        release_id=release.id,
        actor=actor,
        operation=f"{kind.name}_delete",
        field=kind.name,
        previous=snapshot,
        current=None,
        description=f"{kind.label} deleted",
    )


# --- associations with changes and projects ----------------------------------------------


def _ref_id(value: Any, kind: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongType(f"'{kind}.id' must be an id", f"{kind}.id")
    text = str(value).strip()
    if not text or len(text) > MAX_REF_LENGTH or not text.replace("-", "").isalnum():
        raise Invalid(f"'{value}' is not a {kind} id", f"{kind}.id")
    return text


@dataclass(frozen=True)
class AssociationRef:
    ref_id: str
    title: str | None = None


def association_ref(kind: str, value: Any) -> AssociationRef:
    """{"id": "…", "title"?: "…"} (or the id alone) naming a change or a project."""
    if isinstance(value, Mapping):
        title = value.get("title")
        if title is not None and not isinstance(title, str):
            raise WrongType(f"'{kind}.title' must be a string", f"{kind}.title")
        return AssociationRef(_ref_id(value.get("id"), kind), title)
    return AssociationRef(_ref_id(value, kind))


async def associate(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, refs: list[AssociationRef]
) -> list[ReleaseAssociation]:
    """Link the release to changes or projects; linking one twice is a 4008."""
    release = await _writable_release(session, actor, release_id)
    if not refs:
        raise Invalid(f"name at least one {kind}", kind)
    rows: list[ReleaseAssociation] = []
    for ref in refs:
        if await repository.association(
            session, release.id, kind, ref.ref_id
        ) is not None or ref.ref_id in {r.ref_id for r in rows}:
            raise NotUnique(f"{kind} '{ref.ref_id}' is already associated", f"{kind}.id")
        row = ReleaseAssociation(
            release_id=release.id,
            kind=kind,
            ref_id=ref.ref_id,
            title=ref.title,
            created_by_id=actor.user_id,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    for row in rows:
        await session.refresh(row)
        await history.record_item(
            session,
            release_id=release.id,
            actor=actor,
            operation=f"{kind}_associate",
            field=kind,
            previous=None,
            current={"id": row.ref_id, "title": row.title},
        )
    return rows


async def _association(
    session: AsyncSession, release: View, kind: str, ref_id: str
) -> ReleaseAssociation:
    row = await repository.association(session, release.id, kind, ref_id)
    if row is None:
        raise NotFound(f"{kind} '{ref_id}' is not associated with this release", "id")
    return row


async def list_associations(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, query: Query
) -> Page:
    release = await view_release(session, actor, release_id, frozenset())
    return await repository.associations(session, release.id, kind, query)


async def get_association(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, ref_id: str
) -> ReleaseAssociation:
    release = await view_release(session, actor, release_id, frozenset())
    return await _association(session, release, kind, ref_id)


async def dissociate(
    session: AsyncSession, actor: Actor, release_id: int, kind: str, ref_id: str
) -> None:
    release = await _writable_release(session, actor, release_id)
    row = await _association(session, release, kind, ref_id)
    await session.delete(row)
    await history.record_item(
        session,
        release_id=release.id,
        actor=actor,
        operation=f"{kind}_dissociate",
        field=kind,
        previous={"id": ref_id, "title": row.title},
        current=None,
    )


# --- summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseSummary:
    release_id: int
    tasks: int
    closed_tasks: int
    worklogs: int
    approvals: int
    changes: int
    projects: int
    reminders: int


async def release_summary(session: AsyncSession, actor: Actor, release_id: int) -> ReleaseSummary:
    """Counts of what hangs off the release, from stored rows."""
    from releasedesk.core.work.kinds import REMINDER, TASK, WORKLOG

    release = await view_release(session, actor, release_id, frozenset())
    return ReleaseSummary(
        release_id=release.id,
        tasks=await repository.count(session, TASK, release.id),
        closed_tasks=await repository.count(session, TASK, release.id, TASK.closed_choices),
        worklogs=await repository.count(session, WORKLOG, release.id),
        approvals=await repository.count_approvals(session, release.id),
        changes=await repository.count_associations(session, release.id, "change"),
        projects=await repository.count_associations(session, release.id, "project"),
        reminders=await repository.count(session, REMINDER, release.id),
    )
