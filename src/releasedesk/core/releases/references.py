"""Resolving what a write names (lookups by id or name, a new release's defaults) in one
statement, which also locks the release a change is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, String, bindparam, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.lookups import repository as lookups_repository
from releasedesk.core.refs import Ref
from releasedesk.core.releases import rows, statement_cache
from releasedesk.core.releases.views import Named, Stage
from releasedesk.core.workflow import repository as workflow_repository
from releasedesk.core.workflow.names import RoleName
from releasedesk.db.base import BigId
from releasedesk.db.models import Release as ReleaseRow
from releasedesk.db.models import ReleaseRole


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


# A reference statement's binds: the portal, the release to lock, one per lookup named.
_PORTAL = bindparam("portal_id", type_=ReleaseRow.portal_id.type)
_RELEASE = bindparam("release_id", type_=ReleaseRow.id.type)
LookupRefs = Mapping[str, tuple[str, Ref]]
_Shape = tuple[tuple[tuple[str, str, bool], ...], Wanted | None, bool]
# The labels of the defaults' columns (the stage's are `default_stage__<attribute>`).
_TEMPLATE, _STATUS, _ROLE = "default_template_id", "default_status_id", "requester_role_id"


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
    """One labelled scalar subquery per value: the defaults (NULL where not wanted), then
    each lookup's columns as `ref_<field>__<attribute>`."""
    columns: list[ColumnElement[Any]] = []
    if wanted is not None:
        template = workflow_repository.default_template_subquery(_PORTAL)
        columns.append((template if wanted.template else null()).label(_TEMPLATE))
        stage = workflow_repository.first_stage_subqueries(_PORTAL)
        for column, subquery in zip(workflow_repository.STAGE_COLUMNS, stage, strict=True):
            value = subquery if wanted.stage else null()
            columns.append(value.label(f"default_stage__{column.key}"))
        status = workflow_repository.first_status_subquery(_PORTAL)
        columns.append((status if wanted.status else null()).label(_STATUS))
        columns.append(_role_id(RoleName.REQUESTER).label(_ROLE))
    for field, kind, by_id in shape:
        ref = bindparam(f"ref_{field}", type_=BigId if by_id else String)
        subqueries = lookups_repository.named_subqueries(kind, ref, by_id, _PORTAL)
        names = lookups_repository.named_columns(kind)
        columns.extend(q.label(f"ref_{field}__{n}") for n, q in zip(names, subqueries, strict=True))
    return columns


def _reference_statement(
    cache: statement_cache.StatementCache,
    portal_id: int,
    lookups: LookupRefs,
    wanted: Wanted | None,
    lock: int | None,
) -> tuple[Select[Any], dict[str, object]]:
    """The statement resolving `lookups` (and `wanted`; locking release `lock`), and its
    parameters.

    Scalar subqueries in one SELECT, one per value, so that a POST or PUT resolves
    everything it names in one round trip (it took one per lookup). With a release to
    lock, they ride on that release's `SELECT … FOR UPDATE`: the lock and the lookups cost
    one statement, and no row means no such release."""
    shape = tuple((field, kind, ref.id is not None) for field, (kind, ref) in lookups.items())
    key = (shape, wanted, lock is not None)
    statement = cache.get(key)
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
        cache.put(key, statement)
    parameters: dict[str, object] = {"portal_id": portal_id, "release_id": lock}
    for field, (_, ref) in lookups.items():
        assert ref.id is not None or ref.name is not None  # callers pass only those
        parameters[f"ref_{field}"] = ref.id if ref.id is not None else (ref.name or "").strip()
    return statement, parameters


def _defaults(values: Mapping[Any, Any]) -> Defaults:
    stage = {n: values[f"default_stage__{n}"] for n in rows.STAGE}
    return Defaults(
        template_id=values[_TEMPLATE],
        stage=None if stage["id"] is None else rows.stage(stage),
        status_id=values[_STATUS],
        requester_role_id=values[_ROLE],
    )


def _lookups(values: Mapping[Any, Any], lookups: LookupRefs) -> dict[str, Named | None]:
    found: dict[str, Named | None] = {}
    for field, (kind, _) in lookups.items():
        named = {n: values[f"ref_{field}__{n}"] for n in lookups_repository.named_columns(kind)}
        found[field] = None if named["id"] is None else rows.named(named)
    return found


async def resolve_references(
    session: AsyncSession,
    portal_id: int,
    lookups: LookupRefs,
    wanted: Wanted,
) -> tuple[Defaults, dict[str, Named | None]]:
    """A new release's `wanted` defaults and the lookups `lookups` names (field → (kind,
    reference with an id or a name), kinds without a parent), in one statement."""
    connection = await session.connection()
    cache = statement_cache.references(connection)
    statement, parameters = _reference_statement(cache, portal_id, lookups, wanted, None)
    row: Row[Any] = (await connection.execute(statement, parameters)).one()
    return _defaults(row._mapping), _lookups(row._mapping, lookups)


async def lock_resolving(
    session: AsyncSession,
    portal_id: int,
    release_id: int,
    lookups: LookupRefs,
) -> dict[str, Named | None] | None:
    """Lock the release (as locks.lock_release) and resolve the lookups a change names (as
    `resolve_references`) in the same statement; None when there is no such release."""
    connection = await session.connection()
    cache = statement_cache.references(connection)
    statement, parameters = _reference_statement(cache, portal_id, lookups, None, release_id)
    row = (await connection.execute(statement, parameters)).first()
    return None if row is None else _lookups(row._mapping, lookups)
