"""All SQL of the write side about releases, their history and status comments, and lists
with a compiled search. (Reads of whole releases are in read_repository.)"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased, selectinload

from releasedesk.core.actors import Actor
from releasedesk.core.releases import read_repository
from releasedesk.core.releases.history import (
    FieldChange,
    HistoryEntry,
    Operation,
    decode_changes,
    encode_changes,
)
from releasedesk.core.releases.read_repository import EVERYTHING, USER_COLUMNS, Part
from releasedesk.core.releases.rows import person_of, stage_of, status_of
from releasedesk.core.releases.search_fields import RELEASE_FIELDS, RELEASE_FIELDS_PER_ROW
from releasedesk.core.releases.views import Named, Person, Release, ReleaseFilter, StatusComment
from releasedesk.core.search.paging import Page, fetch_page, total_if_asked
from releasedesk.core.search.query import (
    SUBSTRING_KIND,
    Group,
    Node,
    Query,
    SearchField,
    Sort,
    compile_query,
)
from releasedesk.core.workflow.names import RoleName, StageName
from releasedesk.db import driver
from releasedesk.db.models import (
    Department,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseLiveCount,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStage,
    ReleaseStatusComment,
    User,
)
from releasedesk.db.models import Release as ReleaseRow

COLLECTIONS = {
    Part.ROLES: ReleaseRow.role_assignments,
    Part.SERVICES: ReleaseRow.service_links,
    Part.DESCRIPTIVE_FIELDS: ReleaseRow.descriptive_fields,
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
        select(ReleaseRow.id)
        .where(ReleaseRow.portal_id == portal_id, ReleaseRow.id == release_id)
        .with_for_update()
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def get_for_update(
    session: AsyncSession, portal_id: int, release_id: int, collections: Iterable[Part] = ()
) -> ReleaseRow | None:
    """The release row to change, locked, with only the collections the change will touch
    loaded (the others raise if touched, rather than loading behind the caller's back).

    `populate_existing` makes a row already in the session take the locked read's values.
    """
    options = [selectinload(COLLECTIONS[name]) for name in collections]
    result = await session.execute(
        select(ReleaseRow)
        .where(ReleaseRow.portal_id == portal_id, ReleaseRow.id == release_id)
        .options(*options)
        .with_for_update(of=ReleaseRow)
        .execution_options(populate_existing=True)
    )
    return result.unique().scalar_one_or_none()


async def bump_version(session: AsyncSession, release_id: int) -> None:
    """Count one more change of the release (the caller holds its lock)."""
    await session.execute(
        update(ReleaseRow)
        .where(ReleaseRow.id == release_id)
        .values(version=ReleaseRow.version + 1)
        .execution_options(synchronize_session=False)
    )


async def set_notes_present(session: AsyncSession, release_id: int, present: bool) -> None:
    await session.execute(
        update(ReleaseRow).where(ReleaseRow.id == release_id).values(notes_present=present)
    )


async def refresh(session: AsyncSession, release: ReleaseRow) -> Release:
    """After a write: the release as responses show it.

    The ORM instance is expired, so a later use in this session reloads it from the
    database rather than trusting relationships a write left behind.
    """
    await session.flush()
    release_id = release.id
    session.expire(release)
    view = await read_repository.load_one(session, release_id)
    assert view is not None  # the row was just written in this transaction
    return view


async def insert_new(session: AsyncSession, release: ReleaseRow) -> int:
    """INSERT a new release built (not added to the session) by the service; its id."""
    values = {
        key: value
        for key, value in inspect(release).dict.items()
        if key in ReleaseRow.__table__.columns
    }
    values.setdefault("uuid", uuid.uuid4())
    result = await session.execute(insert(ReleaseRow).values(**values).returning(ReleaseRow.id))
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


async def insert_status_comment(
    session: AsyncSession,
    *,
    release_id: int,
    stage_id: int,
    status_id: int,
    comment: str | None,
    commented_by_id: int,
    commented_on: dt.datetime,
) -> None:
    await session.execute(
        insert(ReleaseStatusComment).values(
            release_id=release_id,
            stage_id=stage_id,
            status_id=status_id,
            comment=comment,
            commented_by_id=commented_by_id,
            commented_on=commented_on,
        )
    )


async def insert_history(
    session: AsyncSession,
    *,
    release_id: int,
    actor_id: int,
    operation: Operation,
    subject: str | None,
    changes: Sequence[FieldChange],
    description: str | None,
    time: dt.datetime,
) -> None:
    await session.execute(
        insert(ReleaseHistory).values(
            release_id=release_id,
            operation=operation.value,
            subject=subject,
            actor_id=actor_id,
            time=time,
            description=description,
            diff=encode_changes(changes),
        )
    )


def _holds_any_role(user_id: int) -> ColumnElement[bool]:
    return ReleaseRow.id.in_(
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
            ReleaseRole.internal_name == RoleName.REQUESTER,
            ReleaseRoleAssignment.user_id == actor.user_id,
        )
    )
    return or_(ReleaseRow.created_by_id == actor.user_id, ReleaseRow.id.in_(requested))


def _closed_stage_ids(portal_id: int) -> Select[int]:
    return select(ReleaseStage.id).where(
        ReleaseStage.portal_id == portal_id, ReleaseStage.internal_name == StageName.CLOSE
    )


def filter_clause(view: ReleaseFilter, actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause of a list filter; only the one asked for is built (each request
    builds its statement, so building the five would cost every list)."""
    if view is ReleaseFilter.TRASH:
        return ReleaseRow.deleted_time.is_not(None)
    live = ReleaseRow.deleted_time.is_(None)
    if view is ReleaseFilter.ALL:
        return live
    conditions: list[ColumnElement[bool]] = [live]
    if view in (ReleaseFilter.OPEN, ReleaseFilter.CLOSED, ReleaseFilter.MY_OPEN):
        closed = ReleaseRow.stage_id.in_(_closed_stage_ids(actor.portal_id))
        conditions.append(closed if view is ReleaseFilter.CLOSED else ~closed)
    if view in (ReleaseFilter.MINE, ReleaseFilter.MY_OPEN):
        conditions.append(_holds_any_role(actor.user_id))
    return and_(*conditions)


def page_statement(actor: Actor, view: ReleaseFilter, query: Query) -> Select[int]:
    """The ids of one page (plus one row, to tell whether more follow), in order."""
    return _ids_statement(actor, view, query).offset(query.offset).limit(query.limit + 1)


def is_whole_portal(actor: Actor, view: ReleaseFilter, query: Query) -> bool:
    """Whether the list holds every live release of the portal, so that its length is the
    portal's live count (release_live_counts): the unfiltered list of a staff member."""
    return view is ReleaseFilter.ALL and actor.is_staff and query.filter is None


def live_count(portal_id: int) -> ScalarSelect[int]:
    """The number of live releases of the portal, in the reading statement's snapshot."""
    return (
        select(func.coalesce(func.sum(ReleaseLiveCount.live), 0))
        .where(ReleaseLiveCount.portal_id == portal_id)
        .scalar_subquery()
    )


def _clamped(value: ColumnElement[int], high: int | None = None) -> ColumnElement[int]:
    """`value` within 0 … high (SQLite reads a negative LIMIT as no limit)."""
    if high is None:
        return case((value > 0, value), else_=0)
    return case((value > high, high), (value > 0, value), else_=0)


def reverse_page_statement(actor: Actor, view: ReleaseFilter, query: Query) -> Select[int]:
    """The rows of `page_statement` read from the other end, in reverse order.

    Of n rows, forward positions offset … offset + limit are reverse positions
    n - offset - limit - 1 … n - offset - 1. n is the live count read by this very
    statement, so the page is exact even when releases are added or trashed meanwhile. Only
    for lists where `is_whole_portal` holds.
    """
    wanted = query.limit + 1
    remaining = live_count(actor.portal_id) - query.offset
    return (
        _ids_statement(actor, view, query, reverse=True)
        .offset(_clamped(remaining - wanted))
        .limit(_clamped(remaining, wanted))
    )


# SQLite: a list filtered on the title's text, in an order an index holds, is first looked
# for in this many leading rows of the unfiltered list (see `window_page_statement`).
TEXT_WINDOW = 1000
TEXT_WINDOW_DEPTH = 100  # tried for pages ending before this row: deeper ones rarely fit
INDEXED_ORDERS = ((), (Sort("created_time"),), (Sort("created_time", descending=True),))


def _tests_title_text(node: Node | None) -> bool:
    if isinstance(node, Group):
        return any(_tests_title_text(child) for child in node.children)
    return node is not None and node.field == "title" and node.op in SUBSTRING_KIND


def window_page_statement(actor: Actor, view: ReleaseFilter, query: Query) -> Select[int]:
    """`page_statement` among the first TEXT_WINDOW rows of the list without its filter.

    SQLite answers `title contains` from the FTS5 table by listing every matching rowid
    before the ordered scan starts (60,000 for a common word at 1M releases). Here the
    ordered index is scanned from the start with the filter tested on each row, the title
    on the row itself (`title_like_per_row`), down to the TEXT_WINDOW-th row of the
    unfiltered list at most (a range on the index: a rare word stops there too). When that
    stretch holds the whole page and the row after it, the page is exact: any row past the
    stretch comes after them. When it does not (a rare word, a deep page, a list shorter
    than the stretch), the caller reads the page as before. Orders: INDEXED_ORDERS only;
    search uses it for staff's "all" view only, where the stretch's last row is the
    TEXT_WINDOW-th entry of the index (in a view or a requester's list that holds few of the
    portal's releases, finding it could walk the whole index).
    """
    last = _ids_statement(actor, view, Query(sorts=query.sorts)).offset(TEXT_WINDOW - 1).limit(1)
    last_id = last.with_only_columns(ReleaseRow.id).scalar_subquery()
    descending = query.sorts[0].descending if query.sorts else True
    if not query.sorts:
        bounds = [ReleaseRow.id >= last_id]
    else:
        last_time = last.with_only_columns(ReleaseRow.created_time).scalar_subquery()
        if descending:
            bounds = [
                ReleaseRow.created_time >= last_time,
                or_(ReleaseRow.created_time > last_time, ReleaseRow.id >= last_id),
            ]
        else:
            bounds = [
                ReleaseRow.created_time <= last_time,
                or_(ReleaseRow.created_time < last_time, ReleaseRow.id <= last_id),
            ]
    return (
        _ids_statement(actor, view, query, fields=RELEASE_FIELDS_PER_ROW)
        .where(*bounds)
        .offset(query.offset)
        .limit(query.limit + 1)
    )


def _ids_statement(
    actor: Actor,
    view: ReleaseFilter,
    query: Query,
    *,
    reverse: bool = False,
    fields: Mapping[str, SearchField] = RELEASE_FIELDS,
) -> Select[int]:
    compiled = compile_query(query, fields, tiebreak=ReleaseRow.id, reverse=reverse)
    conditions = [ReleaseRow.portal_id == actor.portal_id, filter_clause(view, actor)]
    visibility = visible_to(actor)
    if visibility is not None:
        conditions.append(visibility)
    if compiled.where is not None:
        conditions.append(compiled.where)
    ids = select(ReleaseRow.id)
    for target, onclause in compiled.joins:
        ids = ids.outerjoin(target, onclause)
    return ids.where(*conditions).order_by(*compiled.order_by)


async def search(
    session: AsyncSession,
    actor: Actor,
    view: ReleaseFilter,
    query: Query,
    parts: frozenset[Part] = EVERYTHING,
) -> Page[Release]:
    """One page of releases, whether more rows follow, and the total when asked for."""
    # On the session's connection, not session.execute: a Core select gains nothing from
    # the ORM's execution layer, which was a tenth of a list's CPU in the profile.
    connection = await session.connection()
    page_ids, count = await _page_ids(connection, actor, view, query)
    has_more = len(page_ids) > query.limit
    page_ids = page_ids[: query.limit]

    total = None
    if query.with_total and count is not None:
        total = count
    elif query.with_total:
        counted = _ids_statement(actor, view, query).order_by(None).subquery()
        total = (await connection.execute(select(func.count()).select_from(counted))).scalar_one()
    if not page_ids:
        return Page([], has_more, total)
    by_id = await read_repository.load(session, page_ids, parts)
    return Page([by_id[i] for i in page_ids if i in by_id], has_more, total)


async def _page_ids(
    connection: AsyncConnection, actor: Actor, view: ReleaseFilter, query: Query
) -> tuple[list[int], int | None]:
    """The ids of the page and of the row after it, in order; the portal's live count when
    it was read (the list is the whole portal's).

    Three ways, one answer: a page of the whole portal's list past its middle is read
    backwards from the far end of the index (a forward read would step over `offset` rows
    first), then put back in order; on SQLite a list filtered on the title's text is first
    looked for near the start of the ordered index (`window_page_statement`); the rest, and
    what those two cannot answer, read forwards.
    """
    if (
        query.offset + query.limit < TEXT_WINDOW_DEPTH
        and query.sorts in INDEXED_ORDERS
        and view is ReleaseFilter.ALL  # where the leading rows are the index's first rows
        and actor.is_staff
        and _tests_title_text(query.filter)
        and connection.dialect.name == "sqlite"
    ):
        ids = list((await connection.execute(window_page_statement(actor, view, query))).scalars())
        if len(ids) > query.limit:  # the page and the row after it: all of them are here
            return ids, None
    count = None
    if is_whole_portal(actor, view, query) and (query.with_total or query.offset > 0):
        count = int((await connection.execute(select(live_count(actor.portal_id)))).scalar_one())
    if count is not None and query.offset * 2 > count:
        statement = reverse_page_statement(actor, view, query)
        return list((await connection.execute(statement)).scalars())[::-1], count
    return list((await connection.execute(page_statement(actor, view, query))).scalars()), count


async def delete(session: AsyncSession, release: ReleaseRow) -> None:
    """Remove the row; every table hanging off it cascades in the database."""
    await session.delete(release)
    await session.flush()


def _status_comment(row: ReleaseStatusComment) -> StatusComment:
    return StatusComment(
        id=row.id,
        stage=stage_of(row.stage),
        status=status_of(row.status),
        comment=row.comment,
        commented_by=person_of(row.commented_by),
        commented_on=row.commented_on,
    )


_HISTORY_ACTOR = aliased(User, name="history_actor")
_HISTORY_ACTOR_DEPARTMENT = aliased(Department, name="history_actor_department")
_HISTORY = (
    select(
        ReleaseHistory.id,
        ReleaseHistory.operation,
        ReleaseHistory.subject,
        ReleaseHistory.time,
        ReleaseHistory.description,
        ReleaseHistory.diff,
        *(getattr(_HISTORY_ACTOR, name) for name in USER_COLUMNS),
        _HISTORY_ACTOR_DEPARTMENT.id,
        _HISTORY_ACTOR_DEPARTMENT.name,
    )
    .outerjoin(_HISTORY_ACTOR, _HISTORY_ACTOR.id == ReleaseHistory.actor_id)
    .outerjoin(
        _HISTORY_ACTOR_DEPARTMENT, _HISTORY_ACTOR_DEPARTMENT.id == _HISTORY_ACTOR.department_id
    )
)
_ACTOR_AT = 6  # where the actor's columns begin in a _HISTORY row


def _history_row(row: tuple[Any, ...]) -> HistoryEntry:
    entry_id, operation, subject, time, description, diff = row[:_ACTOR_AT]
    user = row[_ACTOR_AT : _ACTOR_AT + len(USER_COLUMNS)]
    department_id, department_name = row[_ACTOR_AT + len(USER_COLUMNS) :]
    actor = None
    if user[0] is not None:
        department = None if department_id is None else Named(department_id, department_name)
        actor = Person(**dict(zip(USER_COLUMNS, user, strict=True)), department=department)
    return HistoryEntry(
        id=entry_id,
        operation=Operation(operation),
        subject=subject,
        actor=actor,
        time=time,
        description=description,
        changes=decode_changes(diff),
    )


# Built once and run on the driver (db/driver.py): the statement for a page was rebuilt and
# its cache key computed on every request, more CPU than running it.
_HISTORY_PAGE = (
    _HISTORY.where(ReleaseHistory.release_id == bindparam("release_id"))
    .order_by(ReleaseHistory.time.desc(), ReleaseHistory.id.desc())
    .offset(bindparam("offset", type_=Integer))
    .limit(bindparam("limit", type_=Integer))
)


async def history_page(session: AsyncSession, release_id: int, query: Query) -> Page[HistoryEntry]:
    """History of one release, newest first (columns, not ORM entities: it is read often
    and can be long)."""
    rows = await driver.fetch(
        session,
        _HISTORY_PAGE,
        {"release_id": release_id, "offset": query.offset, "limit": query.limit + 1},
    )
    counted = _HISTORY.where(ReleaseHistory.release_id == release_id)
    total = await total_if_asked(session, counted, query)
    entries = [_history_row(row) for row in rows[: query.limit]]
    return Page(entries, len(rows) > query.limit, total)


async def status_comments_page(
    session: AsyncSession, release_id: int, query: Query
) -> Page[StatusComment]:
    """Status comments of one release, newest first."""
    statement = select(ReleaseStatusComment).where(ReleaseStatusComment.release_id == release_id)
    order = [ReleaseStatusComment.commented_on.desc(), ReleaseStatusComment.id.desc()]
    return await fetch_page(session, statement, order, query, _status_comment)


async def last_comment_per_stage(
    session: AsyncSession, release_id: int
) -> dict[int, StatusComment]:
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
    return {row.stage_id: _status_comment(row) for row in rows}
