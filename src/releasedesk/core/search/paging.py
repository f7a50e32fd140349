"""One page of any statement: its rows, whether more follow, and the total when asked.

Generic SQL the repositories call for their fixed-order lists (history, comments, what
hangs off a release); each repository passes how to turn a row into its view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.search.query import Query

T = TypeVar("T")
Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    has_more: bool
    total: int | None


async def fetch_page(
    session: AsyncSession,
    statement: Select[Row],
    order: Sequence[Any],
    query: Query,
    view: Callable[[Row], T],
) -> Page[T]:
    """The page `query` asks for (its offset, limit and whether to count) in `order`, each
    entity turned into its view; reads one row past the page to tell whether more follow,
    counts only when asked."""
    ordered = statement.order_by(*order).offset(query.offset).limit(query.limit + 1)
    rows = list((await session.execute(ordered)).unique().scalars())
    total = await total_if_asked(session, statement, query)
    return Page([view(r) for r in rows[: query.limit]], len(rows) > query.limit, total)


async def total_if_asked(session: AsyncSession, statement: Select[Any], query: Query) -> int | None:
    """How many rows `statement` gives, when the query asks for the total."""
    if not query.with_total:
        return None
    counted = select(func.count()).select_from(statement.subquery())
    return (await session.execute(counted)).scalar_one()
