"""FlexDeploy's credentials: HTTP Basic (user and password), and releasedesk API keys as
`Authorization: Bearer KEY` or the `X-API-Key: KEY` header (docs/dialects.md)."""

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

KEY_HEADER = "x-api-key"


def read_credentials(request: Request) -> Credentials:
    return key_bearer_or_basic(request, KEY_HEADER)


async def current_actor(request: Request, session: Session) -> Actor:
    return await authenticate(request, session, read_credentials(request))


CurrentActor = Annotated[Actor, Depends(current_actor)]
