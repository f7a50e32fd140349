"""All SQL about teams."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.repository_base import PortalRepository
from releasedesk.core.teams.views import Team
from releasedesk.db.models import Team as TeamRow


def _team(row: TeamRow) -> Team:
    return Team(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        description=row.description,
        version=row.version,
        created_time=row.created_time,
    )


_TEAMS = PortalRepository(TeamRow)


async def find_by_uuid(session: AsyncSession, portal_id: int, team_uuid: uuid.UUID) -> Team | None:
    row = await _TEAMS.get_by_uuid(session, portal_id, team_uuid)
    return None if row is None else _team(row)


async def teams_by_id(session: AsyncSession, team_ids: Iterable[int]) -> dict[int, Team]:
    ids = sorted(set(team_ids))
    if not ids:
        return {}
    rows = (await session.execute(select(TeamRow).where(TeamRow.id.in_(ids)))).scalars()
    return {row.id: _team(row) for row in rows}


name_taken = _TEAMS.name_taken


async def list_teams(session: AsyncSession, portal_id: int) -> list[Team]:
    """Every team of the portal by name."""
    return [_team(row) for row in await _TEAMS.by_name(session, portal_id)]


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
