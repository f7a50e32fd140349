"""One page of any statement: its rows, whether more follow, and the total when asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.search.query import Query


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    has_more: bool
    total: int | None


async def fetch_page(
    session: AsyncSession, statement: Select[Any], order: Sequence[Any], query: Query
) -> Page:
    """The page `query` asks for (its offset, limit and whether to count) in `order`;
    reads one row past the page to tell whether more follow, counts only when asked."""
    ordered = statement.order_by(*order).offset(query.offset).limit(query.limit + 1)
    rows = list((await session.execute(ordered)).unique().scalars())
    total = None
    if query.with_total:
        counted = select(func.count()).select_from(statement.subquery())
        total = (await session.execute(counted)).scalar_one()
    return Page(rows[: query.limit], len(rows) > query.limit, total)
