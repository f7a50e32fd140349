"""FlexDeploy's credentials: HTTP Basic (user and password), and releasedesk API keys as
`Authorization: Bearer KEY` or the `X-API-Key: KEY` header (docs/dialects.md)."""

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

KEY_HEADER = "x-api-key"


def read_credentials(request: Request) -> Credentials:
    key = request.headers.get(KEY_HEADER, "").strip()
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
