"""Request plumbing every dialect shares: the session, the portal, and turning credentials
into the caller. Each dialect reads its own header forms (api/<dialect>/auth.py) into
`Credentials`; the key lookup and HTTP Basic are here, once."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.errors import NotFound, Unauthenticated
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.settings import DEFAULT_PORTAL

READS = ("GET", "HEAD", "OPTIONS")


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response, rolled back on any error."""
    writes = request.method not in READS
    async with request.app.state.database.unit_of_work(writes=writes) as session:
        yield session


Session = Annotated[AsyncSession, Depends(request_session, scope="function")]


def portal_name(request: Request) -> str:
    """`/app/{portal}/…` names the portal; the bare paths serve the default one."""
    return str(request.path_params.get("portal", DEFAULT_PORTAL)).lower()


@dataclass(frozen=True)
class Credentials:
    key: str | None = None
    login: str | None = None
    password: str | None = None


NO_CREDENTIALS = Credentials()


def basic_credentials(authorization: str) -> Credentials:
    """`Basic base64(login:password)` (the scheme in any case); nothing if malformed."""
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return NO_CREDENTIALS
    try:
        decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return NO_CREDENTIALS
    login, sep, password = decoded.partition(":")
    return Credentials(login=login, password=password) if sep else NO_CREDENTIALS


async def authenticate(request: Request, session: AsyncSession, credentials: Credentials) -> Actor:
    """The caller, authenticated against the portal named by the path."""
    portal = portal_name(request)
    if credentials.key:
        return await users.authenticate_key(session, credentials.key, portal)
    if credentials.login is not None and credentials.password is not None:
        try:
            found = await portals.get_portal(session, portal)
        except NotFound:
            raise Unauthenticated("Invalid user name or password") from None
        return await users.authenticate_password(
            session, found, credentials.login, credentials.password
        )
    raise Unauthenticated("No credentials: send a key or HTTP Basic auth")
