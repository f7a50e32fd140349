"""The JSON body of a FlexDeploy write: parsed strictly, a parse error answered with where the
parser stopped (line, column and character offset)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from releasedesk.core.errors import Invalid, Mandatory, WrongType

MAX_BODY_BYTES = 2_000_000


def parse_body(body: bytes) -> dict[str, Any]:
    """A JSON object, or a 400 saying why not (for bad JSON: the parser's message and
    position)."""
    if len(body) > MAX_BODY_BYTES:
        raise Invalid("The request body is too large", "body")
    if not body.strip():
        raise Mandatory("body", "A release JSON object is required in the request body")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno} (char {exc.pos})",
            "body",
        ) from None
    if not isinstance(value, dict):
        raise WrongType("The request body must be a JSON object", "body")
    return value


async def read_body(request: Request) -> dict[str, Any]:
    return parse_body(await request.body())
