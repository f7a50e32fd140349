"""Sign-in sessions of the web UI: started by the same password check as HTTP Basic, held by
a random token whose SHA-256 alone is stored, ended at sign-out, after an idle period, and
when the user gets a new password, is deactivated or is given another role (service.py
deletes their sessions in that change's transaction; each request checks role and active
again as a backstop)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.throttle.service import Throttle
from releasedesk.core.users import repository
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.core.users.service import authenticate_password
from releasedesk.db.base import utcnow
from releasedesk.db.models import WebSession

IDLE_LIMIT = dt.timedelta(hours=8)
# The expiry moves forward with use, but written at most this often per session.
EXTEND_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A session just begun: the token goes into the cookie, and is never stored."""

    token: str
    actor: Actor


async def sign_in(
    session: AsyncSession,
    portal_name: str,
    login: str,
    password: str,
    *,
    throttle: Throttle,
    address: str,
) -> SignedIn:
    """Check the credentials as HTTP Basic does (the same refusal for every failure, the
    same throttling) and begin a session for them."""
    actor = await authenticate_password(
        session, portal_name, login, password, throttle=throttle, address=address
    )
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await repository.insert_web_session(
        session,
        WebSession(
            portal_id=actor.portal_id,
            token_hash=hash_api_key(token),
            user_id=actor.user_id,
            role=actor.role.value,
            created_time=now,
            last_seen_time=now,
            expires_time=now + IDLE_LIMIT,
        ),
    )
    return SignedIn(token, actor)


async def signed_in_actor(
    session: AsyncSession, token: str, portal_name: str, now: dt.datetime | None = None
) -> Actor | None:
    """Who holds this session token on this portal, or None: unknown, idle too long, of
    another portal, or of a user since deactivated or given another role (such a session
    is deleted, so it stays ended even if the change is undone)."""
    found = await repository.web_session(session, hash_api_key(token))
    if found is None:
        return None
    row, row_portal = found
    now = now or utcnow()
    user = row.user
    if row.expires_time <= now or not user.is_active or user.role != row.role:
        await repository.delete_web_session(session, row.token_hash)
        return None
    if row_portal != portal_name:
        return None
    if row.last_seen_time < now - EXTEND_EVERY:
        await repository.extend_web_session(session, row.id, now, now + IDLE_LIMIT)
    return Actor(
        user_id=user.id,
        user_name=user.name,
        portal_id=row.portal_id,
        portal_name=row_portal,
        role=Role(user.role),
    )


async def sign_out(session: AsyncSession, token: str) -> None:
    await repository.delete_web_session(session, hash_api_key(token))
