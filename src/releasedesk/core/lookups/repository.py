"""All SQL about reference data (priorities, categories, services, release roles, …)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.reference.columns import model_for, named_columns
from releasedesk.core.repository_base import PortalRepository
from releasedesk.db.models import LOOKUP_MODELS, LookupBase
from releasedesk.db.text_search import same_text

__all__ = ["model_for", "named_columns"]  # the columns' module is theirs; kept here for callers


def named_subqueries(
    kind: str, value: BindParameter[Any], by_id: bool, portal_id: BindParameter[int]
) -> list[ScalarSelect[object]]:
    """One scalar subquery per column of `named_columns(kind)` for the value of `kind` whose
    id (`by_id`) or name (any case: unique per portal, so at most one row) is bound to
    `value`, for a caller that resolves several references in one statement built once
    with bind parameters. NULL when nothing matches."""
    model = model_for(kind)
    if by_id:
        where = (model.portal_id == portal_id) & (model.id == value)
    else:
        where = (model.portal_id == portal_id) & (func.lower(model.name) == func.lower(value))
    return [
        select(getattr(model, column)).where(where).scalar_subquery()
        for column in named_columns(kind)
    ]


_KINDS = {kind: PortalRepository(model) for kind, model in LOOKUP_MODELS.items()}


async def get(
    session: AsyncSession, kind: str, portal_id: int, lookup_id: int
) -> LookupBase | None:
    return await _KINDS[kind].get_by_id(session, portal_id, lookup_id)


async def find_by_name(
    session: AsyncSession, kind: str, portal_id: int, name: str, parent_id: int | None = None
) -> Sequence[LookupBase]:
    model = model_for(kind)
    query = select(model).where(model.portal_id == portal_id, same_text(model.name, name))
    if parent_id is not None:
        query = query.where(model.parent_id == parent_id)  # type: ignore[attr-defined]
    result = await session.execute(query.order_by(model.id).limit(2))
    return result.scalars().all()


async def list_kind(session: AsyncSession, kind: str, portal_id: int) -> Sequence[LookupBase]:
    model = model_for(kind)
    result = await session.execute(
        select(model).where(model.portal_id == portal_id).order_by(model.id)
    )
    return result.scalars().all()


async def insert(session: AsyncSession, kind: str, portal_id: int, **values: Any) -> LookupBase:
    row = model_for(kind)(portal_id=portal_id, **values)
    session.add(row)
    await session.flush()
    return row
