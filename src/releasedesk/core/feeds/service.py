"""The calendar feed's secret: each user may hold one token that lets a calendar client read
their feed (releases they may see, the portal's freeze windows) without signing in. It is
shown once when made; only its SHA-256 is kept; a reset ends the old one at once; it stops
working when its user is deactivated (their role is read each time)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.feeds import repository
from releasedesk.core.users.secrets import hash_api_key

PREFIX = "rdcal_"


async def reset(session: AsyncSession, actor: Actor) -> str:
    """A new token for the caller's feed (the old one stops working); shown only now."""
    token = PREFIX + secrets.token_urlsafe(32)
    await repository.replace(session, actor.user_id, hash_api_key(token), dt.datetime.now(dt.UTC))
    return token


async def revoke(session: AsyncSession, actor: Actor) -> bool:
    """End the caller's feed token; whether there was one."""
    return await repository.remove(session, actor.user_id)


async def made_on(session: AsyncSession, actor: Actor) -> dt.datetime | None:
    return await repository.made_on(session, actor.user_id)


async def reader(session: AsyncSession, token: str, portal_name: str) -> Actor | None:
    """Who a feed token reads as on this portal, or None (unknown, another portal's, or its
    user deactivated)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = await repository.holder(session, hash_api_key(token))
    if found is None:
        return None
    user, portal = found
    if not user.is_active or portal != portal_name:
        return None
    return Actor(user.id, user.name, user.portal_id, portal, Role(user.role))
