"""Every way real SDP clients send a key: the `authtoken` and `TECHNICIAN_KEY` headers, and
Authorization as `authtoken: KEY`, `Zoho-oauthtoken KEY`, `Bearer KEY` or HTTP Basic."""

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

KEY_HEADERS = ("authtoken", "technician_key", "technician-key")
KEY_SCHEMES = ("authtoken", "zoho-oauthtoken", "bearer")


def read_credentials(request: Request) -> Credentials:
    headers = request.headers
    for name in KEY_HEADERS:
        if headers.get(name):
            return Credentials(key=headers[name].strip())
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        return NO_CREDENTIALS
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower().rstrip(":") in KEY_SCHEMES and rest.strip():
        return Credentials(key=rest.strip())
    return basic_credentials(authorization)


async def current_actor(request: Request, session: Session) -> Actor:
    return await authenticate(request, session, read_credentials(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]
