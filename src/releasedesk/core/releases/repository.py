"""All SQL of the write side about releases, their history and status comments, and lists
with a compiled search. (Reads of whole releases are in read_repository.)"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Insert,
    ScalarSelect,
    Select,
    String,
    Table,
    Update,
    and_,
    bindparam,
    case,
    func,
    insert,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased, selectinload

from releasedesk.core.actors import Actor
from releasedesk.core.lookups import repository as lookups_repository
from releasedesk.core.refs import Ref
from releasedesk.core.releases import read_repository
from releasedesk.core.releases.history import (
    FieldChange,
    HistoryEntry,
    Operation,
    decode_changes,
    encode_changes,
)
from releasedesk.core.releases.parts import EVERYTHING, Part
from releasedesk.core.releases.read_repository import USER_COLUMNS
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
from releasedesk.core.workflow import repository as workflow_repository
from releasedesk.core.workflow.names import RoleName, StageName
from releasedesk.core.workflow.views import Stage
from releasedesk.db import driver
from releasedesk.db.base import BigId, table_of
from releasedesk.db.models import (
    Department,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseLiveCount,
    ReleaseNote,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStage,
    ReleaseStatusComment,
    User,
)
from releasedesk.db.models import Release as ReleaseRow

# The tables themselves, for Core statements run on the connection.
_RELEASES = table_of(ReleaseRow)
_DESCRIPTIVE = table_of(ReleaseDescriptiveField)
_SERVICES = table_of(ReleaseService)
_HOLDERS = table_of(ReleaseRoleAssignment)
_STATUS_COMMENTS = table_of(ReleaseStatusComment)
_HISTORY_TABLE = table_of(ReleaseHistory)

COLLECTIONS = {
    Part.ROLES: ReleaseRow.role_assignments,
    Part.SERVICES: ReleaseRow.service_links,
    Part.DESCRIPTIVE_FIELDS: ReleaseRow.descriptive_fields,
}


async def lock_release(session: AsyncSession, portal_id: int, release_id: int) -> bool:
    """Take the release's row lock for the rest of the transaction; whether it exists.

    Every write that reads a release (or a child of it) and then writes calls this (or
    `lock_resolving`) first, so concurrent writers of one release queue here and each reads
    what the previous one committed. PostgreSQL: `SELECT … FOR UPDATE` (READ COMMITTED, so
    statements after it see the latest commit). SQLite renders no FOR UPDATE: writers there
    already hold the database's write lock from `BEGIN IMMEDIATE`.
    """
    return await lock_resolving(session, portal_id, release_id, {}) is not None


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


async def reread(session: AsyncSession, release_id: int, entity: ReleaseRow | None) -> Release:
    """After a write: the release as responses show it (the ORM row, when the write loaded
    one, flushed and expired, as `refresh` does)."""
    if entity is not None:
        return await refresh(session, entity)
    view = await read_repository.load_one(session, release_id)
    assert view is not None  # the row was just written in this transaction
    return view


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a new release takes when its request names no template, stage or status, and
    the role its creator gets (None where the portal lacks it)."""

    template_id: int | None
    stage: Stage | None
    status_id: int | None
    requester_role_id: int | None


@dataclass(frozen=True, slots=True)
class Wanted:
    """Which defaults a new release needs resolved (those its request does not name)."""

    template: bool
    stage: bool
    status: bool


# How many shapes of each kind are kept: the usual few, not one per count of services a
# client may send.
_SHAPES_KEPT = 256
# A reference statement's binds: the portal, the release to lock, one per lookup named.
_PORTAL = bindparam("portal_id", type_=ReleaseRow.portal_id.type)
_RELEASE = bindparam("release_id", type_=ReleaseRow.id.type)
LookupRefs = Mapping[str, tuple[str, Ref]]
_Shape = tuple[tuple[tuple[str, str, bool], ...], Wanted | None, bool]
# Built once per shape (which lookups, by id or name; which defaults; whether it locks):
# building the expression cost more than running it.
_STATEMENTS: dict[_Shape, Select[Any]] = {}


def _role_id(internal: RoleName) -> ScalarSelect[int]:
    return (
        select(ReleaseRole.id)
        .where(ReleaseRole.portal_id == _PORTAL, ReleaseRole.internal_name == internal)
        .order_by(ReleaseRole.id)
        .limit(1)
        .scalar_subquery()
    )


def _reference_columns(
    shape: tuple[tuple[str, str, bool], ...], wanted: Wanted | None
) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = []
    if wanted is not None:  # eight columns, NULL where not wanted
        columns.append(
            workflow_repository.default_template_subquery(_PORTAL) if wanted.template else null()
        )
        columns.extend(
            workflow_repository.first_stage_subqueries(_PORTAL)
            if wanted.stage
            else [null()] * len(workflow_repository.STAGE_COLUMNS)
        )
        columns.append(
            workflow_repository.first_status_subquery(_PORTAL) if wanted.status else null()
        )
        columns.append(_role_id(RoleName.REQUESTER))
    for field, kind, by_id in shape:
        value = bindparam(f"ref_{field}", type_=BigId if by_id else String)
        columns.extend(lookups_repository.named_subqueries(kind, value, by_id, _PORTAL))
    return columns


def _reference_statement(
    portal_id: int, lookups: LookupRefs, wanted: Wanted | None, lock: int | None
) -> tuple[Select[Any], dict[str, object]]:
    """The statement resolving `lookups` (and `wanted`; locking release `lock`), and its
    parameters."""
    shape = tuple((field, kind, ref.id is not None) for field, (kind, ref) in lookups.items())
    key = (shape, wanted, lock is not None)
    statement = _STATEMENTS.get(key)
    if statement is None:
        columns = _reference_columns(shape, wanted)
        if lock is None:
            statement = select(*columns)
        else:
            statement = (
                select(ReleaseRow.id, *columns)
                .where(ReleaseRow.portal_id == _PORTAL, ReleaseRow.id == _RELEASE)
                .with_for_update(of=ReleaseRow)
            )
        if len(_STATEMENTS) < _SHAPES_KEPT:
            _STATEMENTS[key] = statement
    parameters: dict[str, object] = {"portal_id": portal_id, "release_id": lock}
    for field, (_, ref) in lookups.items():
        assert ref.id is not None or ref.name is not None  # callers pass only those
        parameters[f"ref_{field}"] = ref.id if ref.id is not None else (ref.name or "").strip()
    return statement, parameters


def _references(
    row: Sequence[Any], lookups: LookupRefs, wanted: Wanted | None
) -> tuple[Defaults | None, dict[str, Named | None]]:
    """What `_reference_columns` selected, read back."""
    defaults = None
    at = 0
    if wanted is not None:
        template_id, *stage, status_id, role_id = row[:8]
        defaults = Defaults(
            template_id=template_id,
            stage=None if stage[0] is None else Stage(*stage),
            status_id=status_id,
            requester_role_id=role_id,
        )
        at = 8
    found: dict[str, Named | None] = {}
    for field, (kind, _) in lookups.items():
        names = lookups_repository.named_columns(kind)
        values = row[at : at + len(names)]
        at += len(names)
        found[field] = None if values[0] is None else Named(**dict(zip(names, values, strict=True)))
    return defaults, found


async def resolve_references(
    session: AsyncSession,
    portal_id: int,
    lookups: LookupRefs,
    wanted: Wanted,
) -> tuple[Defaults, dict[str, Named | None]]:
    """A new release's `wanted` defaults and the lookups `lookups` names (field → (kind,
    reference with an id or a name), kinds without a parent), in one statement of scalar
    subqueries: a POST resolved each in a round trip of its own."""
    connection = await session.connection()
    statement, parameters = _reference_statement(portal_id, lookups, wanted, None)
    row = (await connection.execute(statement, parameters)).one()
    defaults, found = _references(row, lookups, wanted)
    assert defaults is not None  # asked for with `wanted`
    return defaults, found


async def lock_resolving(
    session: AsyncSession,
    portal_id: int,
    release_id: int,
    lookups: LookupRefs,
) -> dict[str, Named | None] | None:
    """`lock_release` that also resolves the lookups a change names (as
    `resolve_references`) in the same statement; None when there is no such release."""
    statement, parameters = _reference_statement(portal_id, lookups, None, release_id)
    row = (await (await session.connection()).execute(statement, parameters)).first()
    return None if row is None else _references(tuple(row)[1:], lookups, None)[1]


@dataclass(frozen=True, slots=True)
class NewRelease:
    """Every row a new release starts with, as column values (the release's `uuid` is
    drawn here when not given)."""

    release: dict[str, object]
    descriptive: list[dict[str, object]]
    services: Sequence[int]
    holders: Sequence[tuple[int, int]]
    status_comment: dict[str, object]
    history: dict[str, object]


Rows = Sequence[Mapping[str, object]]
_WriteShape = tuple[str, tuple[str, ...], tuple[tuple[str, int, tuple[str, ...]], ...]]
# Built once per shape (which release columns; per child table how many rows of which
# columns), the values bound: building the statement cost more than sending it.
_WRITES: dict[_WriteShape, Select[Any]] = {}


def _rows_of(written: CTE, table: Table, count: int, keys: Sequence[str]) -> Insert:
    """INSERT … SELECT of `count` rows of `keys` (bound as `<table>_<n>_<key>`) under the id
    the `written` CTE returns (the release it inserted or updated)."""
    selects = [
        select(
            written.c.id,
            *(bindparam(f"{table.name}_{n}_{k}", type_=table.c[k].type) for k in keys),
        )
        for n in range(count)
    ]
    source = selects[0] if len(selects) == 1 else union_all(*selects)
    return insert(table).from_select(["release_id", *keys], source)


def _write_statement(
    release: Insert | Update, release_keys: Sequence[str], children: Sequence[tuple[Table, Rows]]
) -> tuple[Select[Any], dict[str, object]]:
    """One PostgreSQL statement: `release` (an INSERT or an UPDATE of the release, its
    `release_keys` bound as `r_<key>`) RETURNING its id as a CTE, each child table's rows
    inserted under that id in a data-modifying CTE of its own (each runs to completion,
    read or not; foreign keys are checked at the statement's end). And its parameters."""
    shape: _WriteShape = (
        "insert" if isinstance(release, Insert) else "update",
        tuple(release_keys),
        tuple(
            (table.name, len(rows), tuple(k for k in rows[0] if k != "release_id"))
            for table, rows in children
        ),
    )
    statement = _WRITES.get(shape)
    if statement is None:
        bound = {k: bindparam(f"r_{k}", type_=_RELEASES.c[k].type) for k in release_keys}
        written = release.values(bound).returning(_RELEASES.c.id).cte("written_release")
        ctes = [
            _rows_of(written, table, count, keys).cte(f"new_{name}")
            for (name, count, keys), (table, _) in zip(shape[2], children, strict=True)
        ]
        statement = select(written.c.id).add_cte(*ctes)
        if len(_WRITES) < _SHAPES_KEPT:
            _WRITES[shape] = statement
    parameters: dict[str, object] = {}
    for (name, _, keys), (_, rows) in zip(shape[2], children, strict=True):
        for n, row in enumerate(rows):
            for k in keys:
                parameters[f"{name}_{n}_{k}"] = row[k]
    return statement, parameters


async def insert_release(session: AsyncSession, new: NewRelease) -> int:
    """INSERT a new release and everything it starts with; its id.

    PostgreSQL: one statement, the release's INSERT … RETURNING a CTE the others select its
    id from (each data-modifying CTE runs to completion, read or not; the foreign keys are
    checked at the statement's end). SQLite, which has no DML in CTEs: one INSERT per table
    on the connection, each child table's rows in one executemany.
    """
    connection = await session.connection()
    release = {"uuid": uuid.uuid4(), **new.release}
    children: list[tuple[Table, list[dict[str, object]]]] = [
        (_DESCRIPTIVE, new.descriptive),
        (_SERVICES, [{"service_id": s} for s in new.services]),
        (
            _HOLDERS,
            [{"role_id": r, "user_id": u} for r, u in new.holders],
        ),
        (_STATUS_COMMENTS, [new.status_comment]),
        (_HISTORY_TABLE, [new.history]),
    ]
    children = [(table, rows) for table, rows in children if rows]
    if connection.dialect.name == "postgresql":
        statement, parameters = _write_statement(insert(_RELEASES), list(release), children)
        parameters.update({f"r_{k}": v for k, v in release.items()})
        return int((await connection.execute(statement, parameters)).scalar_one())
    inserted = insert(_RELEASES).values(**release).returning(_RELEASES.c.id)
    release_id = int((await connection.execute(inserted)).scalar_one())
    for table, rows in children:
        await connection.execute(insert(table), [{"release_id": release_id, **r} for r in rows])
    return release_id


async def update_columns(
    session: AsyncSession, release_id: int, values: Mapping[str, object]
) -> None:
    """UPDATE the release's own columns (the caller holds its lock), on the connection: no
    ORM row is loaded to change a few columns."""
    connection = await session.connection()
    await connection.execute(update(_RELEASES).where(_RELEASES.c.id == release_id).values(**values))


def status_comment_values(
    *,
    release_id: int | None,
    stage_id: int,
    status_id: int,
    comment: str | None,
    commented_by_id: int,
    commented_on: dt.datetime,
) -> dict[str, object]:
    """A status comment's columns (without `release_id` for a release not inserted yet)."""
    values: dict[str, object] = {
        "stage_id": stage_id,
        "status_id": status_id,
        "comment": comment,
        "commented_by_id": commented_by_id,
        "commented_on": commented_on,
    }
    return values if release_id is None else {"release_id": release_id, **values}


def history_values(
    *,
    release_id: int | None,
    actor_id: int,
    operation: Operation,
    subject: str | None,
    changes: Sequence[FieldChange],
    description: str | None,
    time: dt.datetime,
) -> dict[str, object]:
    """A history entry's columns (without `release_id` for a release not inserted yet)."""
    values: dict[str, object] = {
        "operation": operation.value,
        "subject": subject,
        "actor_id": actor_id,
        "time": time,
        "description": description,
        "diff": encode_changes(changes),
    }
    return values if release_id is None else {"release_id": release_id, **values}


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
    values = history_values(
        release_id=release_id,
        actor_id=actor_id,
        operation=operation,
        subject=subject,
        changes=changes,
        description=description,
        time=time,
    )
    await (await session.connection()).execute(insert(_HISTORY_TABLE), [values])


def _written(
    history: Sequence[Mapping[str, object]], status_comment: Mapping[str, object] | None
) -> list[tuple[Table, list[Mapping[str, object]]]]:
    """History rows (in order: their ids order entries of the same time) and the status
    comment, by table, leaving out empty ones."""
    written: list[tuple[Table, list[Mapping[str, object]]]] = []
    if history:
        written.append((_HISTORY_TABLE, list(history)))
    if status_comment is not None:
        written.append((_STATUS_COMMENTS, [status_comment]))
    return written


async def insert_rows(
    session: AsyncSession,
    history: Sequence[Mapping[str, object]],
    status_comment: Mapping[str, object] | None,
) -> None:
    """History rows and a status comment, one executemany per table."""
    connection = await session.connection()
    for table, rows in _written(history, status_comment):
        await connection.execute(insert(table), rows)


async def update_and_record(
    session: AsyncSession,
    release_id: int,
    values: Mapping[str, object],
    history: Sequence[Mapping[str, object]],
    status_comment: Mapping[str, object] | None,
) -> None:
    """UPDATE the release's columns (the caller holds its lock) and insert the history and
    status comment of the change: on PostgreSQL in one statement (the UPDATE a CTE the
    inserts are attached to), elsewhere one statement per table."""
    connection = await session.connection()
    written = _written(history, status_comment)
    if connection.dialect.name != "postgresql" or not written:
        await update_columns(session, release_id, values)
        for target, rows in written:
            await connection.execute(insert(target), rows)
        return
    updated = update(_RELEASES).where(_RELEASES.c.id == _RELEASE)
    statement, parameters = _write_statement(updated, list(values), written)
    parameters.update({f"r_{k}": v for k, v in values.items()})
    parameters["release_id"] = release_id
    await connection.execute(statement, parameters)


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
        ids = _ids_statement(actor, view, query).order_by(None)
        if query.total_cap is not None:
            ids = ids.limit(query.total_cap + 1)
        counted = ids.subquery()
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


async def delete_by_id(session: AsyncSession, release_id: int) -> None:
    """Remove the row without loading it; every table hanging off it cascades in the
    database."""
    connection = await session.connection()
    await connection.execute(_RELEASES.delete().where(_RELEASES.c.id == release_id))


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
    .offset(bindparam("offset", type_=BigInteger))  # start_index may be any 64-bit number
    .limit(bindparam("limit", type_=BigInteger))
)


async def history_page(session: AsyncSession, release_id: int, query: Query) -> Page[HistoryEntry]:
    """History of one release, newest first (columns, not ORM entities: it is read often
    and can be long)."""
    rows = await driver.fetch(
        session,
        _HISTORY_PAGE,
        {"release_id": release_id, "offset": query.offset, "limit": query.limit + 1},
    )
    total = None
    if query.with_total:  # the count's statement is built only when it is asked for
        counted = _HISTORY.where(ReleaseHistory.release_id == release_id)
        total = await total_if_asked(session, counted, query)
    entries = [_history_row(row) for row in rows[: query.limit]]
    return Page(entries, len(rows) > query.limit, total)


async def latest_entries(
    session: AsyncSession, actor: Actor, release_ids: Sequence[int], operation: Operation
) -> dict[int, HistoryEntry]:
    """The latest `operation` entry in the history of each of these releases, by release id:
    only releases of the actor's portal that the actor may see (a release without such an
    entry is left out). One statement for a page of releases."""
    if not release_ids:
        return {}
    conditions = [
        ReleaseHistory.release_id.in_(list(release_ids)),
        ReleaseHistory.operation == operation.value,
        ReleaseRow.portal_id == actor.portal_id,
    ]
    visibility = visible_to(actor)
    if visibility is not None:
        conditions.append(visibility)
    statement = (
        _HISTORY.add_columns(ReleaseHistory.release_id)
        .join(ReleaseRow, ReleaseRow.id == ReleaseHistory.release_id)
        .where(*conditions)
        .order_by(ReleaseHistory.release_id, ReleaseHistory.time.desc(), ReleaseHistory.id.desc())
    )
    latest: dict[int, HistoryEntry] = {}
    for row in await session.execute(statement):
        release_id = int(row[-1])
        if release_id not in latest:  # the first row of each release is its latest
            latest[release_id] = _history_row(tuple(row[:-1]))
    return latest


async def notes_shown_to_requesters(
    session: AsyncSession, release_id: int, note_ids: Iterable[int]
) -> set[int]:
    """Which of these notes of the release exist and are shown to its requesters."""
    statement = select(ReleaseNote.id).where(
        ReleaseNote.release_id == release_id,
        ReleaseNote.id.in_(list(note_ids)),
        ReleaseNote.show_to_requester.is_(True),
    )
    return set((await session.execute(statement)).scalars())


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
