"""All SQL about the records hanging off a release, and the counts of the release summary."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.search.paging import Page, fetch_page
from releasedesk.core.search.query import Query
from releasedesk.core.work.kinds import ChildKind
from releasedesk.db.models import Approval, ApprovalLevel, ReleaseAssociation, ReleaseNote


async def get(session: AsyncSession, kind: ChildKind, release_id: int, child_id: int) -> Any:
    model: Any = kind.model
    result = await session.execute(
        select(model).where(model.release_id == release_id, model.id == child_id)
    )
    return result.unique().scalar_one_or_none()


async def page(session: AsyncSession, kind: ChildKind, release_id: int, query: Query) -> Page:
    """Oldest first, as SDP lists a release's tasks, worklogs, notes and reminders."""
    model: Any = kind.model
    statement = select(model).where(model.release_id == release_id)
    return await fetch_page(session, statement, [model.id], query)


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


async def associations(session: AsyncSession, release_id: int, kind: str, query: Query) -> Page:
    statement = select(ReleaseAssociation).where(
        ReleaseAssociation.release_id == release_id, ReleaseAssociation.kind == kind
    )
    return await fetch_page(session, statement, [ReleaseAssociation.id], query)


async def association(
    session: AsyncSession, release_id: int, kind: str, ref_id: str
) -> ReleaseAssociation | None:
    query = select(ReleaseAssociation).where(
        ReleaseAssociation.release_id == release_id,
        ReleaseAssociation.kind == kind,
        ReleaseAssociation.ref_id == ref_id,
    )
    return (await session.execute(query)).unique().scalar_one_or_none()


async def count_associations(session: AsyncSession, release_id: int, kind: str) -> int:
    query = (
        select(func.count())
        .select_from(ReleaseAssociation)
        .where(ReleaseAssociation.release_id == release_id, ReleaseAssociation.kind == kind)
    )
    return (await session.execute(query)).scalar_one()
