"""The JSON body of a UCR request (read by the shared `api/json_body.py`, so a body that is
not JSON is refused with the parser's own position: line, column, character)."""

from __future__ import annotations

from fastapi import Request

from releasedesk.api.json_body import JsonValue, parse_json
from releasedesk.api.request_body import read_body
from releasedesk.core.errors import WrongType

MAX_BODY_BYTES = 5_000_000


async def read_json(request: Request) -> JsonValue:
    """The body as JSON (any JSON value; the route says which shapes it takes)."""
    body = await read_body(request, MAX_BODY_BYTES, "body")
    return parse_json(body, max_bytes=MAX_BODY_BYTES, missing="The request needs a JSON body")


async def read_object(request: Request) -> dict[str, JsonValue]:
    value = await read_json(request)
    if not isinstance(value, dict):
        raise WrongType("The body must be a JSON object", "body")
    return value
