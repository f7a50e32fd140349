"""Request dependencies every dialect shares: the session, the portal and the caller."""

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


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response, rolled back on any error."""
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
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


def read_credentials(request: Request) -> Credentials:
    """Every way real clients send a key: authtoken / TECHNICIAN_KEY headers, Authorization
    as `authtoken: KEY`, `Zoho-oauthtoken KEY` or `Bearer KEY`, and HTTP Basic."""
    headers = request.headers
    for name in ("authtoken", "technician_key", "technician-key"):
        if headers.get(name):
            return Credentials(key=headers[name].strip())
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        return Credentials()
    scheme, _, rest = authorization.partition(" ")
    scheme_lower = scheme.lower().rstrip(":")
    if scheme_lower in ("authtoken", "zoho-oauthtoken", "bearer") and rest.strip():
        return Credentials(key=rest.strip())
    if scheme_lower == "basic":
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Credentials()
        login, sep, password = decoded.partition(":")
        if sep:
            return Credentials(login=login, password=password)
    return Credentials()


async def authenticate(request: Request, session: AsyncSession) -> Actor:
    """The caller, authenticated against the portal named by the path."""
    credentials = read_credentials(request)
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
    raise Unauthenticated("No credentials: send an authtoken header or HTTP Basic auth")


async def current_actor(request: Request, session: Session) -> Actor:
    return await authenticate(request, session)


CurrentActor = Annotated[Actor, Depends(current_actor)]
