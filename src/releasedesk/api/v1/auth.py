"""The v1 API's credentials: a releasedesk key as `Authorization: Bearer KEY` or the
`authtoken` header (what SDP clients send), or HTTP Basic (user and password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from releasedesk.api.deps import (
    Credentials,
    Session,
    authenticate,
    key_bearer_or_basic,
)
from releasedesk.core.actors import Actor


def read_credentials(request: Request) -> Credentials:
    return key_bearer_or_basic(request, "authtoken")


async def current_actor(request: Request, session: Session) -> Actor:
    return await authenticate(request, session, read_credentials(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]
