"""All SQL about workflows, templates, stages and statuses.

A write resolves its template, stage and status on every request, so these read columns on
the session's connection into views (the ORM's loading layer cost more than the SQL); the
new-release defaults are also offered as scalar subqueries, for a caller that resolves them
with other references in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Row,
    ScalarSelect,
    Select,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.reference.columns import STAGE_COLUMNS, STATUS_COLUMNS
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.db.models import ReleaseStage, ReleaseStatus, ReleaseTemplate
from releasedesk.db.text_search import same_text


async def _rows(session: AsyncSession, statement: Executable) -> Sequence[Row[Any]]:
    connection = await session.connection()
    return (await connection.execute(statement)).all()


def _stage(row: Row[Any] | None) -> Stage | None:
    return None if row is None else Stage(**row._mapping)


def _status(row: Row[Any] | None) -> Status | None:
    return None if row is None else Status(**row._mapping)


def _default_template(portal_id: int | BindParameter[int]) -> Select[int]:
    return (
        select(ReleaseTemplate.id)
        .where(ReleaseTemplate.portal_id == portal_id, ReleaseTemplate.is_default.is_(True))
        .order_by(ReleaseTemplate.id)
        .limit(1)
    )


def _first_stage(portal_id: int | BindParameter[int]) -> Select[int, str, str, int, str | None]:
    return (
        select(*STAGE_COLUMNS)
        .where(ReleaseStage.portal_id == portal_id)
        # The id breaks a tie of stage_index (not unique), so each column's own subquery in
        # first_stage_subqueries reads the same row.
        .order_by(ReleaseStage.stage_index, ReleaseStage.id)
        .limit(1)
    )


def _first_status(
    stage_id: int | ColumnElement[Any] | ScalarSelect[Any],
) -> Select[int, str, str, str, int]:
    return (
        select(*STATUS_COLUMNS)
        .where(ReleaseStatus.stage_id == stage_id)
        .order_by(ReleaseStatus.id)
        .limit(1)
    )


def default_template_subquery(portal_id: BindParameter[int]) -> ScalarSelect[int]:
    """The id of the portal's default template."""
    return _default_template(portal_id).scalar_subquery()


def first_stage_subqueries(portal_id: BindParameter[int]) -> list[ScalarSelect[Any]]:
    """One scalar subquery per column of a Stage view: the portal's first stage."""
    first = _first_stage(portal_id)
    return [first.with_only_columns(column).scalar_subquery() for column in STAGE_COLUMNS]


def first_status_subquery(portal_id: BindParameter[int]) -> ScalarSelect[int]:
    """The id of the default status of the portal's first stage."""
    stage_id = _first_stage(portal_id).with_only_columns(ReleaseStage.id).scalar_subquery()
    return _first_status(stage_id).with_only_columns(ReleaseStatus.id).scalar_subquery()


async def default_template(session: AsyncSession, portal_id: int) -> int | None:
    rows = await _rows(session, _default_template(portal_id))
    return rows[0][0] if rows else None


async def get_template(session: AsyncSession, portal_id: int, template_id: int) -> int | None:
    rows = await _rows(
        session,
        select(ReleaseTemplate.id).where(
            ReleaseTemplate.portal_id == portal_id, ReleaseTemplate.id == template_id
        ),
    )
    return rows[0][0] if rows else None


async def find_templates(session: AsyncSession, portal_id: int, name: str) -> list[int]:
    """The ids of the templates named so (two at most: enough to tell it is ambiguous)."""
    rows = await _rows(
        session,
        select(ReleaseTemplate.id)
        .where(ReleaseTemplate.portal_id == portal_id, same_text(ReleaseTemplate.name, name))
        .limit(2),
    )
    return [row[0] for row in rows]


async def stages(session: AsyncSession, portal_id: int) -> list[Stage]:
    rows = await _rows(
        session,
        select(*STAGE_COLUMNS)
        .where(ReleaseStage.portal_id == portal_id)
        .order_by(ReleaseStage.stage_index),
    )
    return [Stage(**row._mapping) for row in rows]


async def first_stage(session: AsyncSession, portal_id: int) -> Stage | None:
    rows = await _rows(session, _first_stage(portal_id))
    return _stage(rows[0] if rows else None)


async def get_stage(session: AsyncSession, portal_id: int, stage_id: int) -> Stage | None:
    rows = await _rows(
        session,
        select(*STAGE_COLUMNS).where(
            ReleaseStage.portal_id == portal_id, ReleaseStage.id == stage_id
        ),
    )
    return _stage(rows[0] if rows else None)


async def find_stage(session: AsyncSession, portal_id: int, name: str) -> Stage | None:
    rows = await _rows(
        session,
        select(*STAGE_COLUMNS)
        .where(
            ReleaseStage.portal_id == portal_id,
            or_(same_text(ReleaseStage.name, name), same_text(ReleaseStage.internal_name, name)),
        )
        .order_by(ReleaseStage.stage_index)
        .limit(1),
    )
    return _stage(rows[0] if rows else None)


async def first_status(session: AsyncSession, stage_id: int) -> Status | None:
    rows = await _rows(session, _first_status(stage_id))
    return _status(rows[0] if rows else None)


async def get_status(session: AsyncSession, portal_id: int, status_id: int) -> Status | None:
    rows = await _rows(
        session,
        select(*STATUS_COLUMNS).where(
            ReleaseStatus.portal_id == portal_id, ReleaseStatus.id == status_id
        ),
    )
    return _status(rows[0] if rows else None)


async def find_status(session: AsyncSession, stage_id: int, name: str) -> Status | None:
    rows = await _rows(
        session,
        select(*STATUS_COLUMNS)
        .where(
            ReleaseStatus.stage_id == stage_id,
            or_(same_text(ReleaseStatus.name, name), same_text(ReleaseStatus.internal_name, name)),
        )
        .order_by(ReleaseStatus.id)
        .limit(1),
    )
    return _status(rows[0] if rows else None)


async def statuses(session: AsyncSession, portal_id: int) -> list[Status]:
    """Every status of the portal, by stage order, then as the workflow lists them."""
    rows = await _rows(
        session,
        select(*STATUS_COLUMNS)
        .join(ReleaseStage, ReleaseStage.id == ReleaseStatus.stage_id)
        .where(ReleaseStatus.portal_id == portal_id)
        .order_by(ReleaseStage.stage_index, ReleaseStatus.id),
    )
    found = [_status(row) for row in rows]
    return [status for status in found if status is not None]


async def templates(session: AsyncSession, portal_id: int) -> list[tuple[int, str]]:
    """(id, name) of the portal's release templates, by name."""
    statement = (
        select(ReleaseTemplate.id, ReleaseTemplate.name)
        .where(ReleaseTemplate.portal_id == portal_id)
        .order_by(ReleaseTemplate.name, ReleaseTemplate.id)
    )
    return [(row.id, row.name) for row in await _rows(session, statement)]
