"""Teams: who a release is planned for. Every portal has UrbanCode Release's sample team;
admins add others."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.errors import Invalid, NotFound, NotUnique
from releasedesk.core.lifecycle import defaults
from releasedesk.core.teams import repository
from releasedesk.core.teams.views import Team
from releasedesk.core.text import plain_line


async def insert_defaults(session: AsyncSession, portal_id: int) -> None:
    """The sample team with its well-known UUID, for a new portal."""
    await repository.insert_team(
        session,
        portal_id,
        team_uuid=defaults.SAMPLE_TEAM_UUID,
        name=defaults.SAMPLE_TEAM_NAME,
        description=None,
        created_time=defaults.BUILT_IN_TIME,
    )


async def list_teams(session: AsyncSession, actor: Actor) -> list[Team]:
    return await repository.list_teams(session, actor.portal_id)


async def get_team(session: AsyncSession, actor: Actor, team_uuid: uuid.UUID) -> Team:
    found = await repository.find_by_uuid(session, actor.portal_id, team_uuid)
    if found is None:
        raise NotFound(f"No team with id '{team_uuid}'", "id")
    return found


async def resolve_team(
    session: AsyncSession, actor: Actor, team_uuid: uuid.UUID, field: str
) -> Team:
    """The team a release names; one that does not exist is the client's mistake."""
    found = await repository.find_by_uuid(session, actor.portal_id, team_uuid)
    if found is None:
        raise Invalid(f"No team with id '{team_uuid}'", field)
    return found


async def add_team(session: AsyncSession, actor: Actor, name: str, description: str | None) -> Team:
    """A new team (admins only); names are unique in a portal, in any case."""
    require_admin(actor, "add teams")
    name = plain_line(name, "name", mandatory=True)
    if await repository.name_taken(session, actor.portal_id, name):
        raise NotUnique(f"A team named '{name}' exists", "name")
    return await repository.insert_team(
        session,
        actor.portal_id,
        team_uuid=uuid.uuid4(),
        name=name,
        description=description,
        created_time=dt.datetime.now(dt.UTC),
    )
