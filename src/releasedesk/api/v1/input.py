"""Reading the v1 API's JSON: the body strictly (api/json_body.py), and the values its
objects hold (RFC 3339 times within core/limits.py's years, lists of names), each refusal
naming its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from releasedesk.api.json_body import parse_json
from releasedesk.api.request_body import read_body as read_capped_body
from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.freezes.timing import within_years

MAX_BODY_BYTES = 256_000


async def read_object(request: Request) -> dict[str, Any]:
    """The body, a JSON object."""
    body = await read_capped_body(request, MAX_BODY_BYTES, "body")
    value = parse_json(body, max_bytes=MAX_BODY_BYTES, missing="A JSON object is required")
    if not isinstance(value, dict):
        raise WrongType("The request body must be a JSON object", "body")
    return value


async def read_optional_object(request: Request) -> dict[str, Any]:
    """The body, a JSON object, or {} when there is none."""
    body = await read_capped_body(request, MAX_BODY_BYTES, "body")
    if not body.strip():
        return {}
    value = parse_json(body, max_bytes=MAX_BODY_BYTES, missing="A JSON object is required")
    if not isinstance(value, dict):
        raise WrongType("The request body must be a JSON object", "body")
    return value


def refuse_unknown(body: dict[str, Any], known: set[str], where: str = "") -> None:
    for key in body:
        if key not in known:
            raise Invalid(f"'{where}{key}' is not a field here", f"{where}{key}")


def text(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise Invalid(f"'{key}' is required", key)
        return None
    if not isinstance(value, str):
        raise WrongType(f"'{key}' must be a string", key)
    return value


def moment(value: object, field: str, *, offset: bool = True) -> dt.datetime:
    """An RFC 3339 date-time; with `offset` False a wall-clock time may come without one."""
    if not isinstance(value, str):
        raise WrongType(f"'{field}' must be an RFC 3339 date-time string", field)
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            f"'{field}' must be an RFC 3339 date-time such as 2026-12-24T00:00:00+01:00,"
            f" not {value!r}",
            field,
        ) from None
    if offset and parsed.tzinfo is None:
        raise Invalid(f"'{field}' needs an offset, such as +01:00 or Z", field)
    return within_years(parsed, field)


def names(value: object, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WrongType(f"'{field}' must be a list of names", field)
    if len(value) > 100:
        raise Invalid(f"'{field}' holds at most 100 names", field)
    return [v.strip() for v in value]


def positive_int(raw: str, field: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid(f"'{field}' must be a positive whole number", field)
    return int(raw)
