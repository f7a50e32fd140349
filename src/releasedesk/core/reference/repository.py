"""All SQL about a portal's reference version and loading the reference data it covers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Row, bindparam, func, select, update
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.names import RoleName
from releasedesk.core.reference.columns import (
    STAGE_COLUMNS,
    STATUS_COLUMNS,
    model_for,
    named_columns,
)
from releasedesk.core.reference.views import (
    HeldStage,
    HeldStatus,
    HeldTemplate,
    HeldValue,
    Lookups,
    Workflow,
)
from releasedesk.core.values import Named, Stage, Status
from releasedesk.db import driver, sqlite_loop
from releasedesk.db.models import (
    Portal,
    ReleaseRole,
    ReleaseStage,
    ReleaseStatus,
    ReleaseTemplate,
)

# Each statement labels its columns; a row becomes its view by name (no positions).
FOLDED_NAME, FOLDED_INTERNAL = "folded_name", "folded_internal_name"


async def _run(session: AsyncSession, statement: Executable) -> Result[Any]:
    # On the session's connection, as the workflow repository reads: no ORM loading layer.
    connection = await session.connection()
    return await connection.execute(statement)


# Built once and run on the driver (db/driver.py): every unit of work that uses reference
# data reads it first, a filtered list among them, where building and executing it through
# SQLAlchemy was 6.6 % of the CPU (profile of 2026-12-06, PostgreSQL).
_VERSION = select(Portal.reference_version).where(
    Portal.id == bindparam("portal_id", type_=Portal.id.type)
)


async def version(session: AsyncSession, portal_id: int) -> int | None:
    """The portal's reference version (None: no such portal)."""
    with sqlite_loop.on_loop():  # one row by primary key (db/sqlite_loop.py)
        found = await driver.fetch(session, _VERSION, {"portal_id": portal_id})
    return int(found[0][0]) if found else None


async def bump(session: AsyncSession, portal_id: int) -> None:
    """A new reference version, in `session`'s transaction: committed with the change."""
    await _run(
        session,
        update(Portal)
        .where(Portal.id == portal_id)
        .values(reference_version=Portal.reference_version + 1),
    )


def _folded(row: Row[Any]) -> tuple[dict[str, Any], tuple[str, str]]:
    """A row's view columns, and its name and internal name as the database folds them."""
    values = dict(row._mapping)
    return values, (values.pop(FOLDED_NAME), values.pop(FOLDED_INTERNAL))


async def workflow(session: AsyncSession, portal_id: int) -> Workflow:
    """The portal's stages, statuses and templates, names folded by the database, and the
    requester's release role."""
    stages = await _run(
        session,
        select(
            *STAGE_COLUMNS,
            func.lower(ReleaseStage.name).label(FOLDED_NAME),
            func.lower(ReleaseStage.internal_name).label(FOLDED_INTERNAL),
        )
        .where(ReleaseStage.portal_id == portal_id)
        .order_by(ReleaseStage.stage_index, ReleaseStage.id),
    )
    statuses = await _run(
        session,
        select(
            *STATUS_COLUMNS,
            func.lower(ReleaseStatus.name).label(FOLDED_NAME),
            func.lower(ReleaseStatus.internal_name).label(FOLDED_INTERNAL),
        )
        .join(ReleaseStage, ReleaseStage.id == ReleaseStatus.stage_id)
        .where(ReleaseStatus.portal_id == portal_id)
        .order_by(ReleaseStage.stage_index, ReleaseStage.id, ReleaseStatus.id),
    )
    templates = await _run(
        session,
        select(
            ReleaseTemplate.id,
            func.lower(ReleaseTemplate.name).label(FOLDED_NAME),
            ReleaseTemplate.is_default,
        )
        .where(ReleaseTemplate.portal_id == portal_id)
        .order_by(ReleaseTemplate.id),
    )
    requester = await _run(
        session,
        select(ReleaseRole.id)
        .where(ReleaseRole.portal_id == portal_id, ReleaseRole.internal_name == RoleName.REQUESTER)
        .order_by(ReleaseRole.id)
        .limit(1),
    )
    held_stages = []
    for row in stages:
        values, names = _folded(row)
        held_stages.append(HeldStage(Stage(**values), names))
    held_statuses = []
    for row in statuses:
        values, names = _folded(row)
        held_statuses.append(HeldStatus(Status(**values), names))
    return Workflow(
        stages=tuple(held_stages),
        statuses=tuple(held_statuses),
        templates=tuple(
            HeldTemplate(row.id, row.folded_name, bool(row.is_default)) for row in templates
        ),
        requester_role_id=requester.scalar_one_or_none(),
    )


async def lookups(session: AsyncSession, portal_id: int, kind: str) -> Lookups:
    """The portal's values of one kind, by id, names folded by the database."""
    model = model_for(kind)
    rows = await _run(
        session,
        select(
            *(getattr(model, column) for column in named_columns(kind)),
            func.lower(model.name).label(FOLDED_NAME),
        )
        .where(model.portal_id == portal_id)
        .order_by(model.id),
    )
    held = []
    for row in rows:
        values = dict(row._mapping)
        name = values.pop(FOLDED_NAME)
        held.append(HeldValue(Named(**values), name))
    return Lookups(tuple(held))
