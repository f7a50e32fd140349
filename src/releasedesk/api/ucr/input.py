"""The JSON body of a UCR request: parsed with the standard parser, so a body that is not
JSON is refused with the parser's own position (line, column, character)."""

from __future__ import annotations

import json

from fastapi import Request

from releasedesk.core.errors import Invalid, Mandatory, WrongType

MAX_BODY_BYTES = 5_000_000

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


async def read_json(request: Request) -> JsonValue:
    """The body as JSON (any JSON value; the route says which shapes it takes)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Invalid("The request body is too large", "body")
    if not body.strip():
        raise Mandatory("body", "The request needs a JSON body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(f"The body is not UTF-8 text (byte {exc.start})", "body") from None
    try:
        value: JsonValue = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise Invalid(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            f"(char {exc.pos})",
            "body",
        ) from None
    except RecursionError:
        raise Invalid("The body is nested too deeply", "body") from None
    except ValueError as exc:  # a number too long to read, NaN or Infinity
        raise Invalid(f"The body is not valid JSON: {exc}", "body") from None
    return value


def _refuse_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not a JSON value")


async def read_object(request: Request) -> dict[str, JsonValue]:
    value = await read_json(request)
    if not isinstance(value, dict):
        raise WrongType("The body must be a JSON object", "body")
    return value
