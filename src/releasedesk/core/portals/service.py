"""Portals (tenants): create one with its reference data, find one by name."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid, NotFound, NotUnique
from releasedesk.core.lifecycle import service as lifecycle
from releasedesk.core.portals import repository
from releasedesk.core.reference import service as reference
from releasedesk.core.teams import service as teams
from releasedesk.db.models import Portal

PORTAL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


async def create_portal(
    session: AsyncSession, name: str, display_name: str | None = None
) -> Portal:
    """A new portal with the default workflow, stages, statuses, lookups and users, and
    the Default Lifecycle and sample team."""
    name = name.strip().lower()
    if not PORTAL_NAME.match(name):
        raise Invalid("portal names are lowercase letters, digits, '-' and '_'", "name")
    if await repository.get_by_name(session, name) is not None:
        raise NotUnique(f"portal '{name}' already exists", "name")
    portal = await repository.insert(session, name, display_name or name)
    await repository.insert_reference_data(session, portal.id)
    await reference.changed(session, portal.id)  # nothing held from before the commit
    await lifecycle.insert_defaults(session, portal.id)
    await teams.insert_defaults(session, portal.id)
    return portal


async def ensure_portal(session: AsyncSession, name: str) -> Portal:
    """The named portal, created with its reference data when it does not exist yet."""
    return await repository.get_by_name(session, name) or await create_portal(session, name)


async def get_portal(session: AsyncSession, name: str) -> Portal:
    portal = await repository.get_by_name(session, name)
    if portal is None:
        raise NotFound(f"portal '{name}' does not exist", "portal")
    return portal


async def list_portals(session: AsyncSession) -> list[Portal]:
    return await repository.list_all(session)
