"""All SQL about teams."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.teams.views import Team
from releasedesk.db.models import Team as TeamRow
from releasedesk.db.text_search import same_text


def _team(row: TeamRow) -> Team:
    return Team(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        description=row.description,
        version=row.version,
        created_time=row.created_time,
    )


async def find_by_uuid(session: AsyncSession, portal_id: int, team_uuid: uuid.UUID) -> Team | None:
    row = (
        await session.execute(
            select(TeamRow).where(TeamRow.portal_id == portal_id, TeamRow.uuid == team_uuid)
        )
    ).scalar_one_or_none()
    return None if row is None else _team(row)


async def teams_by_id(session: AsyncSession, team_ids: Iterable[int]) -> dict[int, Team]:
    ids = sorted(set(team_ids))
    if not ids:
        return {}
    rows = (await session.execute(select(TeamRow).where(TeamRow.id.in_(ids)))).scalars()
    return {row.id: _team(row) for row in rows}


async def name_taken(session: AsyncSession, portal_id: int, name: str) -> bool:
    """Whether a name is taken in any case, folded by the database on both sides as the
    unique index on lower(name) folds it (SQLite's lower() folds ASCII letters only)."""
    found = await session.execute(
        select(TeamRow.id).where(TeamRow.portal_id == portal_id, same_text(TeamRow.name, name))
    )
    return found.first() is not None


async def list_teams(session: AsyncSession, portal_id: int) -> list[Team]:
    """Every team of the portal by name."""
    rows = (
        await session.execute(
            select(TeamRow)
            .where(TeamRow.portal_id == portal_id)
            .order_by(func.lower(TeamRow.name), TeamRow.id)
        )
    ).scalars()
    return [_team(row) for row in rows]


async def insert_team(
    session: AsyncSession,
    portal_id: int,
    *,
    team_uuid: uuid.UUID,
    name: str,
    description: str | None,
    created_time: dt.datetime,
) -> Team:
    row = (
        await session.execute(
            insert(TeamRow)
            .values(
                portal_id=portal_id,
                uuid=team_uuid,
                name=name,
                description=description,
                version=0,
                created_time=created_time,
            )
            .returning(TeamRow)
        )
    ).scalar_one()
    return _team(row)
