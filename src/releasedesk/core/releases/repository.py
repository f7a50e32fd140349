"""All SQL about releases: load, insert, list with a compiled search, visibility."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, insert, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from releasedesk.core.actors import Actor
from releasedesk.core.releases import read_model
from releasedesk.core.releases.search_fields import RELEASE_FIELDS
from releasedesk.core.search.paging import Page, fetch_page
from releasedesk.core.search.query import Query, compile_query
from releasedesk.db.models import (
    Release,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStage,
    ReleaseStatusComment,
)


class ReleaseView(StrEnum):
    """The named lists a user can open (SDP filter_by names)."""

    ALL = "all_releases"
    OPEN = "open_releases"
    CLOSED = "closed_releases"
    MINE = "my_releases"
    MY_OPEN = "my_open_releases"
    TRASH = "trash"


COLLECTIONS = {
    "roles": Release.role_assignments,
    "services": Release.service_links,
    "descriptive_fields": Release.descriptive_fields,
}


async def lock_release(session: AsyncSession, portal_id: int, release_id: int) -> bool:
    """Take the release's row lock for the rest of the transaction; whether it exists.

    Every write that reads a release (or a child of it) and then writes calls this first,
    so concurrent writers of one release queue here and each reads what the previous one
    committed. PostgreSQL: `SELECT … FOR UPDATE` (READ COMMITTED, so statements after it
    see the latest commit). SQLite renders no FOR UPDATE: writers there already hold the
    database's write lock from `BEGIN IMMEDIATE`.
    """
    statement = (
        select(Release.id)
        .where(Release.portal_id == portal_id, Release.id == release_id)
        .with_for_update()
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def get_for_update(
    session: AsyncSession, portal_id: int, release_id: int, collections: Iterable[str] = ()
) -> Release | None:
    """The release row to change, locked, with only the collections the change will touch
    loaded (the others raise if touched, rather than loading behind the caller's back).

    `populate_existing` makes a row already in the session take the locked read's values.
    """
    options = [selectinload(COLLECTIONS[name]) for name in collections]
    result = await session.execute(
        select(Release)
        .where(Release.portal_id == portal_id, Release.id == release_id)
        .options(*options)
        .with_for_update(of=Release)
        .execution_options(populate_existing=True)
    )
    return result.unique().scalar_one_or_none()


async def set_notes_present(session: AsyncSession, release_id: int, present: bool) -> None:
    await session.execute(
        update(Release).where(Release.id == release_id).values(notes_present=present)
    )


async def refresh(session: AsyncSession, release: Release) -> Any:
    """After a write: the release as responses show it (a read-model view).

    The ORM instance is expired, so a later use in this session reloads it from the
    database rather than trusting relationships a write left behind.
    """
    await session.flush()
    release_id = release.id
    session.expire(release)
    view = await read_model.load_one(session, release_id)
    assert view is not None
    return view


async def insert_new(session: AsyncSession, release: Release) -> int:
    """INSERT a new release built (not added to the session) by the service; its id."""
    values = {
        key: value
        for key, value in inspect(release).dict.items()
        if key in Release.__table__.columns
    }
    values.setdefault("uuid", uuid.uuid4())
    result = await session.execute(insert(Release).values(**values).returning(Release.id))
    return int(result.scalar_one())


async def insert_children(
    session: AsyncSession,
    release_id: int,
    *,
    descriptive: list[dict[str, Any]],
    services: Sequence[int],
    holders: Sequence[tuple[int, int]],
) -> None:
    """The descriptive fields, services and role holders of a new release."""
    await session.execute(
        insert(ReleaseDescriptiveField), [{"release_id": release_id, **row} for row in descriptive]
    )
    if services:
        await session.execute(
            insert(ReleaseService), [{"release_id": release_id, "service_id": s} for s in services]
        )
    if holders:
        await session.execute(
            insert(ReleaseRoleAssignment),
            [
                {"release_id": release_id, "role_id": role_id, "user_id": user_id}
                for role_id, user_id in holders
            ],
        )


async def insert_status_comment(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(ReleaseStatusComment).values(**values))


def _holds_any_role(user_id: int) -> ColumnElement[bool]:
    return Release.id.in_(
        select(ReleaseRoleAssignment.release_id).where(ReleaseRoleAssignment.user_id == user_id)
    )


def visible_to(actor: Actor) -> ColumnElement[bool] | None:
    """Requesters see the releases they requested or created; staff see all."""
    if actor.is_staff:
        return None
    requested = (
        select(ReleaseRoleAssignment.release_id)
        .join(ReleaseRole, ReleaseRole.id == ReleaseRoleAssignment.role_id)
        .where(
            ReleaseRole.internal_name == "release_requester",
            ReleaseRoleAssignment.user_id == actor.user_id,
        )
    )
    return or_(Release.created_by_id == actor.user_id, Release.id.in_(requested))


def _closed_stage_ids(portal_id: int) -> Select[int]:
    return select(ReleaseStage.id).where(
        ReleaseStage.portal_id == portal_id, ReleaseStage.internal_name == "close"
    )


def view_clause(view: ReleaseView, actor: Actor) -> ColumnElement[bool]:
    if view is ReleaseView.TRASH:
        return Release.deleted_time.is_not(None)
    live = Release.deleted_time.is_(None)
    closed = Release.stage_id.in_(_closed_stage_ids(actor.portal_id))
    clauses = {
        ReleaseView.ALL: live,
        ReleaseView.OPEN: and_(live, ~closed),
        ReleaseView.CLOSED: and_(live, closed),
        ReleaseView.MINE: and_(live, _holds_any_role(actor.user_id)),
        ReleaseView.MY_OPEN: and_(live, ~closed, _holds_any_role(actor.user_id)),
    }
    return clauses[view]


def page_statement(actor: Actor, view: ReleaseView, query: Query) -> Select[Any]:
    """The ids of one page (plus one row, to tell whether more follow), in order."""
    return _ids_statement(actor, view, query).offset(query.offset).limit(query.limit + 1)


def _ids_statement(actor: Actor, view: ReleaseView, query: Query) -> Select[Any]:
    compiled = compile_query(query, RELEASE_FIELDS, tiebreak=Release.id)
    conditions = [Release.portal_id == actor.portal_id, view_clause(view, actor)]
    visibility = visible_to(actor)
    if visibility is not None:
        conditions.append(visibility)
    if compiled.where is not None:
        conditions.append(compiled.where)
    ids = select(Release.id)
    for target, onclause in compiled.joins:
        ids = ids.outerjoin(target, onclause)
    return ids.where(*conditions).order_by(*compiled.order_by)


async def search(
    session: AsyncSession,
    actor: Actor,
    view: ReleaseView,
    query: Query,
    parts: frozenset[str] = read_model.EVERYTHING,
) -> tuple[list[Any], bool, int | None]:
    """One page of releases, whether more rows follow, and the total when asked for."""
    page_ids = list((await session.execute(page_statement(actor, view, query))).scalars())
    has_more = len(page_ids) > query.limit
    page_ids = page_ids[: query.limit]

    total = None
    if query.with_total:
        counted = _ids_statement(actor, view, query).order_by(None).subquery()
        total = (await session.execute(select(func.count()).select_from(counted))).scalar_one()
    if not page_ids:
        return [], has_more, total
    by_id = await read_model.load(session, page_ids, parts)
    return [by_id[i] for i in page_ids if i in by_id], has_more, total


async def delete(session: AsyncSession, release: Release) -> None:
    """Remove the row; every table hanging off it cascades in the database."""
    await session.delete(release)
    await session.flush()


async def history_page(session: AsyncSession, release_id: int, query: Query) -> Page:
    """History of one release, newest first."""
    statement = select(ReleaseHistory).where(ReleaseHistory.release_id == release_id)
    order = [ReleaseHistory.time.desc(), ReleaseHistory.id.desc()]
    return await fetch_page(session, statement, order, query)


async def status_comments_page(session: AsyncSession, release_id: int, query: Query) -> Page:
    """Status comments of one release, newest first."""
    statement = select(ReleaseStatusComment).where(ReleaseStatusComment.release_id == release_id)
    order = [ReleaseStatusComment.commented_on.desc(), ReleaseStatusComment.id.desc()]
    return await fetch_page(session, statement, order, query)


async def last_comment_per_stage(
    session: AsyncSession, release_id: int
) -> dict[int, ReleaseStatusComment]:
    """The latest status comment the release got in each stage it has been in."""
    rows = (
        (
            await session.execute(
                select(ReleaseStatusComment)
                .where(ReleaseStatusComment.release_id == release_id)
                .order_by(ReleaseStatusComment.commented_on, ReleaseStatusComment.id)
            )
        )
        .unique()
        .scalars()
    )
    return {row.stage_id: row for row in rows}
