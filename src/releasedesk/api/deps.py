"""Request plumbing every dialect shares: the session, the portal, and turning credentials
into the caller. Each dialect reads its own header forms (api/<dialect>/auth.py) into
`Credentials`; the key lookup and HTTP Basic are here, once, with their throttling
(core/throttle): a failed sign-in is recorded in a unit of work of its own once the
request's has ended (rolled back, and on SQLite no longer holding the write lock)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.errors import Unauthenticated
from releasedesk.core.throttle.service import (
    UNKNOWN_KEY,
    Failure,
    SignInFailed,
    Throttle,
)
from releasedesk.core.users import service as users
from releasedesk.core.users.keys import UnknownKey
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.db.session import Database, after_unit_of_work
from releasedesk.observe.requests import note_user
from releasedesk.settings import DEFAULT_PORTAL

READS = ("GET", "HEAD", "OPTIONS")


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response, rolled back on any error;
    then what must be written whatever became of it (a failed sign-in, a key's request
    count; db/session.after_unit_of_work) in one of its own. Hot routes run it too
    (api/endpoint_calls.py)."""
    database: Database = request.app.state.database
    async with database.unit_of_work(writes=request.method not in READS) as session:
        yield session


Session = Annotated[AsyncSession, Depends(request_session, scope="function")]


def throttle_of(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


def client_address(request: Request) -> str:
    """The address failures are counted against: the peer's (behind a proxy, run uvicorn
    with --proxy-headers and --forwarded-allow-ips so it is the client's)."""
    return request.client.host if request.client is not None else "unknown"


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


def key_bearer_or_basic(request: Request, key_header: str) -> Credentials:
    """A key in `key_header`, else `Authorization: Bearer KEY`, else HTTP Basic: how
    FlexDeploy (X-API-Key) and releasedesk's own API (authtoken) take credentials."""
    key = request.headers.get(key_header, "").strip()
    if key:
        return Credentials(key=key)
    authorization = request.headers.get("authorization", "").strip()
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return Credentials(key=rest.strip())
    return basic_credentials(authorization) if authorization else NO_CREDENTIALS


async def authenticate(request: Request, session: AsyncSession, credentials: Credentials) -> Actor:
    """The caller, authenticated against the portal named by the path; failed sign-ins
    counted and throttled (429 past a limit). The request log names the caller."""
    actor = await _authenticate(request, session, credentials)
    note_user(request.scope, actor.user_id)
    return actor


async def _authenticate(request: Request, session: AsyncSession, credentials: Credentials) -> Actor:
    portal = portal_name(request)
    throttle = throttle_of(request)
    if credentials.key:
        return await _authenticate_key(request, session, throttle, credentials.key, portal)
    if credentials.login is not None and credentials.password is not None:
        try:
            return await users.authenticate_password(
                session,
                portal,
                credentials.login,
                credentials.password,
                throttle=throttle,
                address=client_address(request),
            )
        except SignInFailed as failed:
            await after_unit_of_work(
                session, partial(throttle.record_failure, failure=failed.failure)
            )
            raise
    raise Unauthenticated("No credentials: send a key or HTTP Basic auth")


async def _authenticate_key(
    request: Request, session: AsyncSession, throttle: Throttle, key: str, portal: str
) -> Actor:
    """A key's caller. A key that does not exist counts as a failed sign-in of the client
    address (answered 429, nothing written, once the address is past its limit); a key
    that works is held back only by the per-key request limit, when one is set."""
    try:
        actor = await users.authenticate_key(session, key, portal)
    except UnknownKey:
        address = client_address(request)
        await throttle.check_address(session, address)
        failure = Failure(portal, None, UNKNOWN_KEY, None, address, "key")
        await after_unit_of_work(session, partial(throttle.record_failure, failure=failure))
        raise
    if throttle.limits_keys:
        count = await throttle.key_request(session, hash_api_key(key.strip()))
        if count is not None:
            await after_unit_of_work(session, count)
    return actor
