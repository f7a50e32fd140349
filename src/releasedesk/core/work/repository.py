"""All SQL about the records hanging off a release, and the counts of the release summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.releases.rows import person_of
from releasedesk.core.search.paging import Page, fetch_page
from releasedesk.core.search.query import Query
from releasedesk.core.work.kinds import ChildKind, ChildRow, FieldType
from releasedesk.core.work.views import Association, Child, ChildFieldValue
from releasedesk.db.models import Approval, ApprovalLevel, ReleaseAssociation, ReleaseNote


def child_view(kind: ChildKind, row: ChildRow) -> Child:
    values: dict[str, ChildFieldValue] = {}
    for spec in kind.fields:
        value = getattr(row, spec.attribute)
        if spec.type is FieldType.STAFF:
            value = person_of(getattr(row, spec.name))
        elif spec.type is FieldType.MINUTES:
            value = dt.timedelta(minutes=value or 0)
        values[spec.name] = value
    return Child(
        id=row.id,
        release_id=row.release_id,
        kind=kind,
        values=values,
        created_by=person_of(row.created_by),
        created_time=row.created_time,
    )


def association_view(row: ReleaseAssociation) -> Association:
    return Association(
        kind=row.kind,
        ref_id=row.ref_id,
        title=row.title,
        created_by=person_of(row.created_by),
        created_time=row.created_time,
    )


def _of_release(kind: ChildKind, release_id: int, for_requester: bool) -> Select[Any]:
    """A release's records of `kind`; for a requester only those shown to requesters."""
    model: Any = kind.model
    statement = select(model).where(model.release_id == release_id)
    if for_requester and kind.requester_flag:
        statement = statement.where(getattr(model, kind.requester_flag).is_(True))
    return statement


async def get_row(
    session: AsyncSession, kind: ChildKind, release_id: int, child_id: int, for_requester: bool
) -> ChildRow | None:
    """The ORM row of one child (to show, change or delete it), or None."""
    model: Any = kind.model
    statement = _of_release(kind, release_id, for_requester).where(model.id == child_id)
    row: ChildRow | None = (await session.execute(statement)).unique().scalar_one_or_none()
    return row


async def insert(session: AsyncSession, kind: ChildKind, values: Mapping[str, object]) -> Child:
    model: Any = kind.model
    row = model(**values)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return child_view(kind, row)


async def update(
    session: AsyncSession, kind: ChildKind, row: ChildRow, values: Mapping[str, object]
) -> Child:
    for attribute, value in values.items():
        setattr(row, attribute, value)
    await session.flush()
    await session.refresh(row)
    return child_view(kind, row)


async def delete(session: AsyncSession, row: object) -> None:
    await session.delete(row)
    await session.flush()


async def page(
    session: AsyncSession, kind: ChildKind, release_id: int, query: Query, for_requester: bool
) -> Page[Child]:
    """Oldest first, as a release's tasks, worklogs, notes and reminders are listed."""
    model: Any = kind.model
    statement = _of_release(kind, release_id, for_requester)
    return await fetch_page(session, statement, [model.id], query, lambda r: child_view(kind, r))


async def count(
    session: AsyncSession, kind: ChildKind, release_id: int, only_choices: tuple[str, ...] = ()
) -> int:
    model: Any = kind.model
    query = select(func.count()).select_from(model).where(model.release_id == release_id)
    if only_choices:
        query = query.where(model.status.in_(only_choices))
    return (await session.execute(query)).scalar_one()


async def has_notes(session: AsyncSession, release_id: int) -> bool:
    query = select(ReleaseNote.id).where(ReleaseNote.release_id == release_id).limit(1)
    return (await session.execute(query)).first() is not None


async def count_approvals(session: AsyncSession, release_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Approval)
        .join(ApprovalLevel, ApprovalLevel.id == Approval.level_id)
        .where(ApprovalLevel.release_id == release_id)
    )
    return (await session.execute(query)).scalar_one()


async def associations(
    session: AsyncSession, release_id: int, kind: str, query: Query
) -> Page[Association]:
    statement = select(ReleaseAssociation).where(
        ReleaseAssociation.release_id == release_id, ReleaseAssociation.kind == kind
    )
    return await fetch_page(session, statement, [ReleaseAssociation.id], query, association_view)


async def association_row(
    session: AsyncSession, release_id: int, kind: str, ref_id: str
) -> ReleaseAssociation | None:
    query = select(ReleaseAssociation).where(
        ReleaseAssociation.release_id == release_id,
        ReleaseAssociation.kind == kind,
        ReleaseAssociation.ref_id == ref_id,
    )
    return (await session.execute(query)).unique().scalar_one_or_none()


async def insert_associations(
    session: AsyncSession, rows: list[ReleaseAssociation]
) -> list[Association]:
    session.add_all(rows)
    await session.flush()
    for row in rows:
        await session.refresh(row)
    return [association_view(row) for row in rows]


async def count_associations(session: AsyncSession, release_id: int, kind: str) -> int:
    query = (
        select(func.count())
        .select_from(ReleaseAssociation)
        .where(ReleaseAssociation.release_id == release_id, ReleaseAssociation.kind == kind)
    )
    return (await session.execute(query)).scalar_one()
