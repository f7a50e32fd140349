"""What the simple repositories share: rows of one model, each in a portal.

After polar's `kit/repository/base.py` (a repository bound to its model, `get_by_id` with
`for_update`), keeping what fits here: every read is scoped to a portal, the way polar
scopes its reads to live rows. Polar's soft deletion is left out: none of the models
behind these repositories (teams, lifecycle models, lookups) has a deletion column; the
release, which has one, keeps its own statements (core/releases/listing.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.text_search import same_text

M = TypeVar("M")


class PortalRepository(Generic[M]):
    """Reads of `model`, a mapped class with `id`, `portal_id` and `name` columns (`uuid`
    for `get_by_uuid`)."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._columns: Any = model  # its columns, for building statements

    def in_portal(self, portal_id: int) -> Select[M]:
        """The statement every read starts from: the portal's rows."""
        return select(self.model).where(self._columns.portal_id == portal_id)

    async def get_by_id(
        self, session: AsyncSession, portal_id: int, row_id: int, *, for_update: bool = False
    ) -> M | None:
        """The row, locked for the rest of the transaction with `for_update` (PostgreSQL;
        SQLite's writers already hold its one write lock)."""
        statement = self.in_portal(portal_id).where(self._columns.id == row_id)
        if for_update:
            statement = statement.with_for_update()
        return (await session.execute(statement)).scalar_one_or_none()

    async def get_by_uuid(
        self, session: AsyncSession, portal_id: int, row_uuid: uuid.UUID
    ) -> M | None:
        statement = self.in_portal(portal_id).where(self._columns.uuid == row_uuid)
        return (await session.execute(statement)).scalar_one_or_none()

    async def name_taken(self, session: AsyncSession, portal_id: int, name: str) -> bool:
        """Whether a name is taken in any case, folded by the database on both sides as a
        unique index on lower(name) folds it (SQLite's lower() folds ASCII letters only)."""
        statement = self.in_portal(portal_id).where(same_text(self._columns.name, name))
        found = await session.execute(statement.with_only_columns(self._columns.id).limit(1))
        return found.first() is not None

    async def by_name(self, session: AsyncSession, portal_id: int) -> Sequence[M]:
        """Every row of the portal by name in any case, the id breaking ties."""
        order = (func.lower(self._columns.name), self._columns.id)
        return (await session.execute(self.in_portal(portal_id).order_by(*order))).scalars().all()
