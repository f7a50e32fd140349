"""The v1 API's credentials: a releasedesk key as `Authorization: Bearer KEY` or the
`authtoken` header (what SDP clients send), or HTTP Basic (user and password)."""

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


def read_credentials(request: Request) -> Credentials:
    key = request.headers.get("authtoken", "").strip()
    if key:
        return Credentials(key=key)
    authorization = request.headers.get("authorization", "").strip()
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return Credentials(key=rest.strip())
    return basic_credentials(authorization) if authorization else NO_CREDENTIALS


async def current_actor(request: Request, session: Session) -> Actor:
    return await authenticate(request, session, read_credentials(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]
