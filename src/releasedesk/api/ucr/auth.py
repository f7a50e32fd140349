"""How UrbanCode Release clients authenticate: HTTP Basic with a user's name (or email) and
password, or a key. A key comes as Basic with the user name `PasswordIsAuthToken` and the
key as the password (the UrbanCode convention for tokens, what its CLI and plug-ins send),
or as `Authorization: Bearer KEY`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from releasedesk.api.deps import (
    NO_CREDENTIALS,
    Credentials,
    Session,
    authenticate,
    basic_credentials,
)
from releasedesk.core.actors import Actor
from releasedesk.core.errors import Unauthenticated

TOKEN_LOGIN = "passwordisauthtoken"  # noqa: S105  (a user name that says "a key follows")


def read_credentials(request: Request) -> Credentials:
    authorization = request.headers.get("authorization", "").strip()
    if not authorization:
        return NO_CREDENTIALS
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return Credentials(key=rest.strip())
    basic = basic_credentials(authorization)
    if basic.login is not None and basic.login.lower() == TOKEN_LOGIN:
        return Credentials(key=basic.password) if basic.password else NO_CREDENTIALS
    return basic


# UCR's own words for a key refused (SDP's say "authtoken", which UCR clients never send).
KEY_REFUSED = "Invalid or expired key: send a valid key as the password of PasswordIsAuthToken"


async def current_actor(request: Request, session: Session) -> Actor:
    credentials = read_credentials(request)
    try:
        return await authenticate(request, session, credentials)
    except Unauthenticated:
        if credentials.key:
            raise Unauthenticated(KEY_REFUSED) from None
        raise


CurrentActor = Annotated[Actor, Depends(current_actor)]
