"""One page of any statement: its rows, whether more follow, and the total when asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def fetch_page(
    session: AsyncSession,
    statement: Select[Any],
    order: Sequence[Any],
    *,
    offset: int,
    limit: int,
    with_total: bool,
) -> tuple[list[Any], bool, int | None]:
    """Reads one row past the page to tell whether more follow; counts only when asked."""
    rows = list(
        (await session.execute(statement.order_by(*order).offset(offset).limit(limit + 1)))
        .unique()
        .scalars()
    )
    total = None
    if with_total:
        counted = select(func.count()).select_from(statement.subquery())
        total = (await session.execute(counted)).scalar_one()
    return rows[:limit], len(rows) > limit, total
