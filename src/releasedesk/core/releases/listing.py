"""Lists of releases: the WHERE clauses of who sees what and of the named lists, the
statements of a page's ids (forward, backward for deep pages, SQLite's window for title
text), and the search that runs them and loads the page through read_repository.

A list is two statements: the ids of one page (plus one row, to tell whether more follow),
then the releases by id (read_repository.load). The ids are read on the session's
connection, not session.execute: a Core select gains nothing from the ORM's execution
layer, which was a tenth of a list's CPU in the profile. Which page statement runs is
decided in one place, `_page_ids`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.releases import named_filters, read_repository, title_ids
from releasedesk.core.releases.read_repository import EVERYTHING, Part
from releasedesk.core.releases.search_fields import RELEASE_FIELDS, RELEASE_FIELDS_PER_ROW
from releasedesk.core.releases.views import Release, ReleaseFilter
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import (
    SUBSTRING_KIND,
    Condition,
    Group,
    Node,
    Op,
    Query,
    SearchField,
    Sort,
    compile_query,
)
from releasedesk.core.workflow.names import RoleName, StageName
from releasedesk.db import driver, sqlite_loop
from releasedesk.db.cache import caches_of
from releasedesk.db.models import Release as ReleaseRow
from releasedesk.db.models import ReleaseLiveCount, ReleaseRole, ReleaseRoleAssignment, ReleaseStage
from releasedesk.db.text_search import PHRASE_MATCHES, phrase


def _holds_any_role(user_id: int) -> ColumnElement[bool]:
    """`id IN (the user's assignments)`: a semi-join on the holders' user index, which
    neither duplicates a release held twice nor needs a DISTINCT."""
    return ReleaseRow.id.in_(
        select(ReleaseRoleAssignment.release_id).where(ReleaseRoleAssignment.user_id == user_id)
    )


def visible_to(actor: Actor) -> ColumnElement[bool] | None:
    """Requesters see the releases they requested or created; staff see all (no clause at
    all, so staff lists keep their plain index scans). An OR of the creator column and a
    semi-join, as for `_holds_any_role`."""
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
    """The portal's closing stage as a subquery rather than a join: `stage_id IN (…)` uses
    the stage index of the lists and adds no row to them."""
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
    """Whether any condition of the tree is a substring test on the title (walked without
    recursion: a tree's depth costs no Python frames)."""
    pending = [] if node is None else [node]
    while pending:
        item = pending.pop()
        if isinstance(item, Group):
            pending.extend(item.children)
        elif item.field == "title" and item.op in SUBSTRING_KIND:
            return True
    return False


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
    """The ids of the list in its order, every page statement's base: only `releases.id`
    selected (the rows are loaded by id afterwards, read_repository.load), the filter's
    joins outer so a release without the joined value stays, the id as the last sort so
    pages never overlap. Built per request: its shape depends on the filter."""
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
    if query.filter is not None:  # names of references compared by id (named_filters)
        query = replace(
            query, filter=await named_filters.with_ids(session, actor.portal_id, query.filter)
        )
    # On the session's connection, not session.execute: a Core select gains nothing from
    # the ORM's execution layer, which was a tenth of a list's CPU in the profile.
    connection = await session.connection()
    if (
        connection.dialect.name == "sqlite"
        and query.filter is not None
        and _tests_title_text(query.filter)
    ):

        async def matches(text: str, bound: int) -> set[int]:
            return await title_matches(session, text, bound)

        by_ids = await title_ids.by_ids(matches, query.filter)
        if by_ids is not None:  # few matches: the title text as release ids (title_ids)
            query = replace(query, filter=by_ids)
    page_ids, count = await _page_ids(connection, actor, view, query)
    has_more = len(page_ids) > query.limit
    page_ids = page_ids[: query.limit]

    total = None
    if query.with_total and count is not None:
        total = count
    elif query.with_total:
        ids = _ids_statement(actor, view, query).order_by(None)
        if query.total_cap is not None:
            ids = ids.limit(query.total_cap + 1)
        counted = ids.subquery()
        total = (await connection.execute(select(func.count()).select_from(counted))).scalar_one()
    if not page_ids:
        return Page([], has_more, total)
    by_id = await read_repository.load(session, page_ids, parts)
    return Page([by_id[i] for i in page_ids if i in by_id], has_more, total)


async def title_matches(session: AsyncSession, text: str, bound: int) -> set[int]:
    """SQLite: the ids of the titles holding `text` (its FTS phrase), at most `bound` + 1:
    one read of the FTS index, on the driver."""
    searched = phrase(text)
    if searched is None:
        return set()
    # On aiosqlite's thread (bounded=False): LIMIT bounds the rows, not the work (a rare
    # phrase of common trigrams intersects long lists of them).
    found = await driver.fetch(
        session, PHRASE_MATCHES, {"phrase": searched, "bound": bound + 1}, bounded=False
    )
    return {row[0] for row in found}


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
    if _is_bounded(query):
        # Read on the loop's thread on SQLite (db/sqlite_loop.py): a few entries of an index.
        with sqlite_loop.on_loop():
            return await _page_ids_read(connection, actor, view, query)
    if not _tests_title_text(query.filter):
        return await _page_ids_read(connection, actor, view, query)
    if (
        query.offset + query.limit < TEXT_WINDOW_DEPTH
        and query.sorts in INDEXED_ORDERS
        and view is ReleaseFilter.ALL  # where the leading rows are the index's first rows
        and actor.is_staff
        and connection.dialect.name == "sqlite"
    ):
        ids = list((await connection.execute(window_page_statement(actor, view, query))).scalars())
        if len(ids) > query.limit:  # the page and the row after it: all of them are here
            return ids, None
    return await _page_ids_read(connection, actor, view, query)


# A page read whose work an index bounds (`_is_bounded`): what runs on SQLite's loop thread.
# Equality on these fields is answered by ix_releases_live_priority_stage_created (or the
# primary key), in the list's order; other filters (a text, a sparse flag, a role holder)
# may scan the portal and keep aiosqlite's thread, so the loop never waits on them.
BOUNDED_FIELDS = frozenset({"id", "priority", "priority.id", "stage", "stage.id"})
BOUNDED_DEPTH = TEXT_WINDOW  # rows a page may step over on the loop (offset + limit)


def _is_bounded(query: Query) -> bool:
    if query.sorts not in INDEXED_ORDERS or query.offset + query.limit > BOUNDED_DEPTH:
        return False
    pending = [] if query.filter is None else [query.filter]
    while pending:
        item = pending.pop()
        if isinstance(item, Group):
            if item.any_of:  # an OR of index ranges is not one range in the list's order
                return False
            pending.extend(item.children)
        elif not _bounded_condition(item):
            return False
    return True


def _bounded_condition(condition: Condition) -> bool:
    """`is` on an indexed field with ids (no null, no name, no bool)."""
    return (
        condition.field in BOUNDED_FIELDS
        and condition.op is Op.IS
        and all(isinstance(v, int) and not isinstance(v, bool) for v in condition.values)
    )


async def _page_ids_read(
    connection: AsyncConnection, actor: Actor, view: ReleaseFilter, query: Query
) -> tuple[list[int], int | None]:
    """`_page_ids` read forwards, or backwards past the middle of the whole portal."""
    count = None
    if is_whole_portal(actor, view, query) and (query.with_total or query.offset > 0):
        count = int((await connection.execute(select(live_count(actor.portal_id)))).scalar_one())
    if count is not None and query.offset * 2 > count:
        statement = _held_statement(connection, actor, view, query, reverse=True)
        return list((await connection.execute(statement)).scalars())[::-1], count
    statement = _held_statement(connection, actor, view, query, reverse=False)
    return list((await connection.execute(statement)).scalars()), count


# A page's statement is kept per (caller, view, query) in the database's bounded LRU: the
# same list asked again (a board, a poller, the next request of a dashboard) reuses the
# statement object, whose cache key SQLAlchemy memoizes, instead of building it and its
# key afresh. Measured on PostgreSQL (2026-12-06): building the filtered list's statement
# 172 µs, its key 33 µs, executing a fresh one 610 µs against 297 µs for a kept one. A
# query with title text, or with more than HELD_VALUES values (a larger id set from
# title_ids), is built afresh, so a client's search texts never become keys.
PAGE_STATEMENTS = "releases.page_statements"
PAGE_STATEMENTS_SIZE = 512
HELD_VALUES = 16


def _held_statement(
    connection: AsyncConnection, actor: Actor, view: ReleaseFilter, query: Query, *, reverse: bool
) -> Select[int]:
    build = reverse_page_statement if reverse else page_statement
    if _tests_title_text(query.filter) or _value_count(query.filter) > HELD_VALUES:
        return build(actor, view, query)
    # repr keeps types apart (True and 1 are equal as keys, and answer differently).
    key = (reverse, view, actor.portal_id, actor.user_id, actor.role, repr(query))
    held = caches_of(connection).lru(PAGE_STATEMENTS, PAGE_STATEMENTS_SIZE)
    statement: Select[int] | None = held.get(key)
    if statement is None:
        statement = build(actor, view, query)
        held.put(key, statement)
    return statement


def _value_count(node: Node | None) -> int:
    count, pending = 0, [] if node is None else [node]
    while pending:
        item = pending.pop()
        if isinstance(item, Group):
            pending.extend(item.children)
        else:
            count += len(item.values)
    return count
