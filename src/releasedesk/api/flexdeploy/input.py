"""The JSON body of a FlexDeploy write (read by the shared `api/json_body.py`: strictly, a
parse error answered with where the parser stopped: line, column and character offset)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from releasedesk.api.json_body import parse_json
from releasedesk.api.request_body import read_body as read_capped_body
from releasedesk.core.errors import WrongType

MAX_BODY_BYTES = 2_000_000


def parse_body(body: bytes) -> dict[str, Any]:
    """A JSON object, or a 400 saying why not."""
    value = parse_json(
        body,
        max_bytes=MAX_BODY_BYTES,
        missing="A release JSON object is required in the request body",
    )
    if not isinstance(value, dict):
        raise WrongType("The request body must be a JSON object", "body")
    return value


async def read_body(request: Request) -> dict[str, Any]:
    return parse_body(await read_capped_body(request, MAX_BODY_BYTES, "body"))
