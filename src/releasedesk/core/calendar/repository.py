"""All SQL of the calendar: the releases whose scheduled window meets a range, the releases
each collides with (a self-join on overlapping windows, in the database), and the busy
windows a release would have to move past.

A release's window is [scheduled_start_time, scheduled_end_time), or the instant of its
start when it has no end (`window_end` is then its start). Two windows overlap when each
starts before the other ends, or when both start at the same instant (so an instant inside
a window, or two equal instants, overlap; back-to-back windows do not).

Every range read has constant bounds and carries `start <= bound AND end >= bound` as plain
conjuncts, the form the indexes on live releases' windows (migration 0013) serve. The
self-join is then run over the two id lists those reads found, bound as one array each, so
that PostgreSQL plans it for the rows it really joins: written as a join of two range reads
it was estimated at a third of the portal's releases per side (no statistics describe a
window), a plan dear enough to be JIT-compiled, which took seconds where running it took
milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    JSON,
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from releasedesk.core.actors import Actor
from releasedesk.core.calendar.views import Collision, Shared, SharedKind
from releasedesk.core.releases.listing import visible_to
from releasedesk.core.releases.views import Named
from releasedesk.core.workflow.names import StageName
from releasedesk.db.base import UtcDateTime, table_of
from releasedesk.db.models import (
    CatalogProject,
    Priority,
    ReleaseDeploymentProject,
    ReleaseService,
    ReleaseStage,
    ReleaseStatus,
    ReleaseType,
    Service,
    SupportGroup,
)
from releasedesk.db.models import Release as ReleaseRow

_LINKED_SERVICES = table_of(ReleaseService)
_PROJECTS = table_of(ReleaseDeploymentProject)

window_start = ReleaseRow.scheduled_start_time
# Where a release's window ends: its end, or its start when it is an instant.
window_end: ColumnElement[dt.datetime] = func.coalesce(
    ReleaseRow.scheduled_end_time, ReleaseRow.scheduled_start_time, type_=UtcDateTime()
)

Key = tuple[SharedKind, int]  # something a release shares through: a service, group, project


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A release on the calendar as read, before its collisions are known."""

    id: int
    title: str
    start: dt.datetime
    end: dt.datetime | None
    stage: str
    status: str
    closed: bool
    release_type: Named | None
    priority: Named | None
    group: Named | None


@dataclass(frozen=True, slots=True)
class Busy:
    """An open release's window, found through one thing it shares (a key)."""

    release_id: int
    start: dt.datetime
    end: dt.datetime


def _among(column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """`column` among the ids bound as `name`, one value (an array; a JSON array on SQLite)
    whatever their number: no parameter limit, one statement text."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    each = func.json_each(bindparam(name, type_=JSON)).table_valued("value")
    return column.in_(select(each.c.value))


def _unindexed(term: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """SQLite's unary +: the same value, but a comparison with it uses no index."""
    expression = term.expression
    return UnaryExpression(expression, operator=custom_op("+"), type_=expression.type)


async def _reaching(
    connection: AsyncConnection, portal_id: int, since: dt.datetime, until: dt.datetime
) -> list[ColumnElement[bool]]:
    """A window reaching into [since, until] (both ends included), as two plain conjuncts:
    `start <= until`, which the start index serves by scanning every window that starts
    before `until`, and `end >= since`, which the end index serves by scanning every window
    that ends after `since`. Neither scan is short everywhere: the first reads the whole
    past before a range, the second everything after it (migration 0013).

    PostgreSQL picks the shorter from its statistics on the columns. SQLite keeps none here
    and picks by the statement's shape, so it is told: the portal's earliest start and
    latest end are read from the two indexes (two probes), the longer scan is estimated as
    the longer stretch of time, and its term is marked so that SQLite does not use it.
    """
    start_term, end_term = window_start <= until, window_end >= since
    if connection.dialect.name != "sqlite":
        return [start_term, end_term]
    live = (ReleaseRow.portal_id == portal_id, ReleaseRow.deleted_time.is_(None))
    first, last = (
        await connection.execute(
            select(
                select(func.min(window_start)).where(*live).scalar_subquery(),
                select(func.max(window_end)).where(*live).scalar_subquery(),
            )
        )
    ).one()
    if first is None or last is None:
        return [start_term, end_term]
    if last - since <= until - first:  # fewer windows end after `since`
        return [_unindexed(window_start) <= until, end_term]
    return [start_term, _unindexed(window_end) >= since]


def _overlap(a_start: Any, a_end: Any, b_start: Any, b_end: Any) -> ColumnElement[bool]:
    """Windows a and b overlap (the rule in the module's docstring)."""
    return or_(and_(a_start < b_end, b_start < a_end), a_start == b_start)


def _closed_stages(portal_id: int) -> Select[int]:
    return select(ReleaseStage.id).where(
        ReleaseStage.portal_id == portal_id, ReleaseStage.internal_name == StageName.CLOSE
    )


def _open(portal_id: int) -> ColumnElement[bool]:
    """Live and not closed: a release that occupies its window."""
    return and_(
        ReleaseRow.deleted_time.is_(None),
        ReleaseRow.stage_id.not_in(_closed_stages(portal_id)),
    )


def _seen(actor: Actor, *conditions: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """`conditions` on the caller's portal's releases, limited to those the caller may see."""
    visibility = visible_to(actor)
    extra = [] if visibility is None else [visibility]
    return [ReleaseRow.portal_id == actor.portal_id, *conditions, *extra]


def _named(id_: int | None, name: str | None, color: str | None = None) -> Named | None:
    return None if id_ is None or name is None else Named(id_, name, color)


async def scheduled(
    session: AsyncSession,
    actor: Actor,
    start: dt.datetime,
    end: dt.datetime,
    service_id: int | None,
) -> list[Scheduled]:
    """The live releases the caller may see whose window overlaps [start, end), by start,
    with the lookups an event shows; only those of `service_id` when given."""
    connection = await session.connection()
    conditions = _seen(
        actor,
        ReleaseRow.deleted_time.is_(None),
        *await _reaching(connection, actor.portal_id, start, end),
        _overlap(window_start, window_end, start, end),
    )
    if service_id is not None:  # a look-up of the link's primary key per release in range
        conditions.append(
            exists().where(
                _LINKED_SERVICES.c.release_id == ReleaseRow.id,
                _LINKED_SERVICES.c.service_id == service_id,
            )
        )
    statement = (
        select(
            ReleaseRow.id,
            ReleaseRow.title,
            ReleaseRow.scheduled_start_time,
            ReleaseRow.scheduled_end_time,
            ReleaseStage.name,
            ReleaseStage.internal_name,
            ReleaseStatus.name,
            ReleaseType.id,
            ReleaseType.name,
            ReleaseType.color,
            Priority.id,
            Priority.name,
            Priority.color,
            SupportGroup.id,
            SupportGroup.name,
        )
        .join(ReleaseStage, ReleaseStage.id == ReleaseRow.stage_id)
        .join(ReleaseStatus, ReleaseStatus.id == ReleaseRow.status_id)
        .outerjoin(ReleaseType, ReleaseType.id == ReleaseRow.release_type_id)
        .outerjoin(Priority, Priority.id == ReleaseRow.priority_id)
        .outerjoin(SupportGroup, SupportGroup.id == ReleaseRow.group_id)
        .where(*conditions)
        .order_by(window_start, ReleaseRow.id)
    )
    return [_scheduled(row) for row in await connection.execute(statement)]


def _scheduled(row: Any) -> Scheduled:
    start = row[2]
    assert start is not None  # the range test compared it
    return Scheduled(
        id=row[0],
        title=row[1],
        start=start,
        end=row[3],
        stage=row[4],
        closed=row[5] == StageName.CLOSE,
        status=row[6],
        release_type=_named(row[7], row[8], row[9]),
        priority=_named(row[10], row[11], row[12]),
        group=_named(row[13], row[14]),
    )


async def services_of(session: AsyncSession, release_ids: Iterable[int]) -> dict[int, list[Named]]:
    """Each release's services, by name."""
    connection = await session.connection()
    statement = (
        select(_LINKED_SERVICES.c.release_id, Service.id, Service.name)
        .join(Service, Service.id == _LINKED_SERVICES.c.service_id)
        .where(_among(_LINKED_SERVICES.c.release_id, "ids", connection.dialect.name))
        .order_by(_LINKED_SERVICES.c.release_id, func.lower(Service.name), Service.id)
    )
    found: dict[int, list[Named]] = defaultdict(list)
    for release_id, service_id, name in await connection.execute(
        statement, {"ids": list(release_ids)}
    ):
        found[release_id].append(Named(service_id, name))
    return found


def _project_name(portal_id: int, project_id: Any) -> ColumnElement[str]:
    """The project's name in the portal's catalog (a project the catalog no longer lists
    is named by its id)."""
    named = (
        select(CatalogProject.name)
        .where(CatalogProject.portal_id == portal_id, CatalogProject.id == project_id)
        .scalar_subquery()
    )
    return func.coalesce(named, literal("Project ", String) + cast(project_id, String))


async def items_of(
    session: AsyncSession, portal_id: int, release_ids: Iterable[int]
) -> dict[int, list[Named]]:
    """Each release's configuration items: the FlexDeploy projects it deploys (a project
    deployed as several packages once), by name."""
    connection = await session.connection()
    projects = (
        select(_PROJECTS.c.release_id, _PROJECTS.c.project_id)
        .where(_among(_PROJECTS.c.release_id, "ids", connection.dialect.name))
        .distinct()
        .subquery()
    )
    name = _project_name(portal_id, projects.c.project_id)
    statement = select(projects.c.release_id, projects.c.project_id, name).order_by(
        projects.c.release_id, func.lower(name), projects.c.project_id
    )
    found: dict[int, list[Named]] = defaultdict(list)
    for release_id, project_id, project_name in await connection.execute(
        statement, {"ids": list(release_ids)}
    ):
        found[release_id].append(Named(project_id, project_name))
    return found


async def open_reaching(
    session: AsyncSession, actor: Actor, since: dt.datetime, until: dt.datetime
) -> list[int]:
    """The open releases the caller may see whose window reaches into [since, until]: every
    release that can overlap one whose window lies within it."""
    connection = await session.connection()
    reaching = await _reaching(connection, actor.portal_id, since, until)
    statement = select(ReleaseRow.id).where(*_seen(actor, _open(actor.portal_id), *reaching))
    return list((await connection.execute(statement)).scalars())


def _windows(name: str, dialect: str) -> CTE:
    """The windows, groups and titles of the releases whose ids are bound as `name`."""
    return (
        select(
            ReleaseRow.id.label("id"),
            ReleaseRow.title.label("title"),
            window_start.label("start"),
            window_end.label("end"),
            ReleaseRow.scheduled_end_time.label("scheduled_end"),
            ReleaseRow.group_id.label("group_id"),
        )
        .where(_among(ReleaseRow.id, name, dialect))
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def _kind(kind: SharedKind) -> ColumnElement[str]:
    return literal_column(f"'{kind.value}'", String).label("kind")


def _links(table: Table, key: str, name: str, ids: str, dialect: str) -> CTE:
    """(release, key) rows of `table` for the releases bound as `ids`, read by release id
    (materialized: both sides of a shared key are found through their own releases, never
    by scanning the table for the key, which has no index)."""
    return (
        select(table.c.release_id.label("release_id"), table.c[key].label("key"))
        .where(_among(table.c.release_id, ids, dialect))
        .distinct()  # a project deployed as several packages is one item
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


@lru_cache(maxsize=256)
def _collision_statement(portal_id: int, dialect: str) -> CompoundSelect[Any]:
    """Each pair (a among `shown`, b among `near`) whose windows overlap, once per service,
    group or project they share, with b's title and window. Each kind is joined on what is
    shared (an equality) before the overlap is tested.

    Built once per portal and dialect (its ids are bound at execution): building its seven
    CTEs and three branches cost more than running it (bench: `conflicts`)."""
    shown, near = _windows("shown", dialect), _windows("near", dialect)
    overlapping = and_(
        near.c.id != shown.c.id,
        near.c.start <= shown.c.end,
        near.c.end >= shown.c.start,
        _overlap(shown.c.start, shown.c.end, near.c.start, near.c.end),
    )
    pair = (shown.c.id, near.c.id, near.c.title, near.c.start, near.c.scheduled_end)

    def sharing(table: Table, key: str) -> Select[Any]:
        mine = _links(table, key, f"shown_{table.name}", "shown", dialect)
        theirs = _links(table, key, f"near_{table.name}", "near", dialect)
        return (
            select(*pair, mine.c.key)
            .select_from(shown)
            .join(mine, mine.c.release_id == shown.c.id)
            .join(theirs, theirs.c.key == mine.c.key)
            .join(near, and_(near.c.id == theirs.c.release_id, overlapping))
        )

    services = sharing(_LINKED_SERVICES, "service_id").subquery("by_service")
    projects = sharing(_PROJECTS, "project_id").subquery("by_project")
    by_service = select(
        *(services.c[i] for i in range(len(pair))),
        _kind(SharedKind.SERVICE),
        Service.id,
        Service.name,
    ).join(Service, Service.id == services.c.key)
    by_group = (
        select(*pair, _kind(SharedKind.GROUP), SupportGroup.id, SupportGroup.name)
        .select_from(shown)
        .join(near, and_(near.c.group_id == shown.c.group_id, overlapping))
        .join(SupportGroup, SupportGroup.id == shown.c.group_id)
    )
    by_item = select(
        *(projects.c[i] for i in range(len(pair))),
        _kind(SharedKind.CONFIGURATION_ITEM),
        projects.c.key,
        _project_name(portal_id, projects.c.key),
    )
    return union_all(by_service, by_group, by_item)


_KIND_ORDER = {kind: n for n, kind in enumerate(SharedKind)}
_KINDS = {kind.value: kind for kind in SharedKind}  # a dict lookup, not an Enum call per row


async def collisions(
    session: AsyncSession, portal_id: int, shown: Collection[int], near: Collection[int]
) -> dict[int, list[Collision]]:
    """For each release of `shown`, the releases of `near` whose windows overlap its own and
    that share a service, its group or a configuration item with it, by start; one
    statement. (The caller gives open releases only, `near` those the caller may see.)"""
    if not shown or not near:
        return {}
    connection = await session.connection()
    statement = _collision_statement(portal_id, connection.dialect.name)
    rows = await connection.execute(statement, {"shown": list(shown), "near": list(near)})
    shared: dict[tuple[int, int], list[Shared]] = defaultdict(list)
    other: dict[tuple[int, int], tuple[str, dt.datetime, dt.datetime | None]] = {}
    for a, b, title, start, end, kind, item_id, item_name in rows:
        shared[(a, b)].append(Shared(_KINDS[kind], Named(item_id, item_name)))
        other[(a, b)] = (title, start, end)
    found: dict[int, list[Collision]] = defaultdict(list)
    for (a, b), items in shared.items():
        items.sort(key=lambda s: (_KIND_ORDER[s.kind], s.item.name.lower(), s.item.id))
        title, start, end = other[(a, b)]
        found[a].append(
            Collision(
                release_id=b,
                title=title,
                scheduled_start_time=start,
                scheduled_end_time=end,
                shared=tuple(items),
                shared_in_words=", ".join(item.in_words for item in items),
            )
        )
    for listed in found.values():
        listed.sort(key=lambda c: (c.scheduled_start_time, c.release_id))
    return found


# release id, window start and end, the kind of key and the key
_Keyed = Select[int, dt.datetime | None, dt.datetime, str, int | None]


def _keyed(
    kind: SharedKind,
    key: ColumnElement[int] | InstrumentedAttribute[int | None],
    portal_id: int,
    reaching: list[ColumnElement[bool]],
    dialect: str,
) -> _Keyed:
    """The open windows `reaching` a stretch whose key is among those bound as the kind's
    name, each with that key."""
    return select(ReleaseRow.id, window_start, window_end, _kind(kind), key.label("key")).where(
        ReleaseRow.portal_id == portal_id,
        _open(portal_id),
        *reaching,
        _among(key, kind.name, dialect),
    )


async def busy_windows(
    session: AsyncSession,
    portal_id: int,
    keys: Collection[Key],
    since: dt.datetime,
    until: dt.datetime,
) -> dict[Key, list[Busy]]:
    """The windows of the open releases of the portal (whoever may see them: a suggested
    window must collide with nothing) reaching into [since, until] that share one of
    `keys`, by key: one statement, whatever the number of releases asking.

    Read by key, not per release asking: the releases of one calendar share a handful of
    groups and services, and each release's busy windows are the union of its keys' lists.
    """
    found: dict[Key, list[Busy]] = defaultdict(list)
    by_kind: dict[SharedKind, list[int]] = {}
    for kind, key in keys:
        by_kind.setdefault(kind, []).append(key)
    if not by_kind:
        return found
    connection = await session.connection()
    reaching = await _reaching(connection, portal_id, since, until)
    dialect = connection.dialect.name
    branches: list[_Keyed] = []
    if SharedKind.GROUP in by_kind:
        branches.append(_keyed(SharedKind.GROUP, ReleaseRow.group_id, portal_id, reaching, dialect))
    if SharedKind.SERVICE in by_kind:
        service = _LINKED_SERVICES.c.service_id
        branches.append(
            _keyed(SharedKind.SERVICE, service, portal_id, reaching, dialect).join(
                _LINKED_SERVICES, _LINKED_SERVICES.c.release_id == ReleaseRow.id
            )
        )
    if SharedKind.CONFIGURATION_ITEM in by_kind:
        project = _PROJECTS.c.project_id
        branches.append(
            _keyed(SharedKind.CONFIGURATION_ITEM, project, portal_id, reaching, dialect)
            .join(_PROJECTS, _PROJECTS.c.release_id == ReleaseRow.id)
            .distinct()  # a project deployed as several packages is one window
        )
    statement = branches[0] if len(branches) == 1 else union_all(*branches)
    parameters = {kind.name: ids for kind, ids in by_kind.items()}
    for release_id, start, end, kind_name, shared in await connection.execute(
        statement, parameters
    ):
        assert start is not None and shared is not None  # compared in the statement
        found[(_KINDS[kind_name], shared)].append(Busy(release_id, start, end))
    return found
