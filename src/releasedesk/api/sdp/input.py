"""Find `input_data` wherever real SDP clients put it, and parse it.

Clients send it in the query string on every verb, form-encoded in the body on every verb
(GET included), as a JSON body (with or without an `input_data` wrapper), or as a Python
literal with single quotes; an empty body is no input at all.
"""

from __future__ import annotations

import ast
from typing import Annotated, Any
from urllib.parse import parse_qs

import orjson
from fastapi import Depends, Request

from releasedesk.api.json_body import refuse_unstorable
from releasedesk.core.errors import Invalid, WrongType

MAX_INPUT_BYTES = 2_000_000


def parse_input_data(raw: str | bytes) -> dict[str, Any]:
    """JSON, or a Python literal (parsed, never evaluated); must be an object."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("input_data is not UTF-8 text", "input_data") from None
    if not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            raise Invalid(f"input_data is not valid JSON: {exc}", "input_data") from None
    if not isinstance(value, dict):
        raise WrongType("input_data must be a JSON object", "input_data")
    refuse_unstorable(value)  # a NUL, or a lone surrogate a Python literal can spell
    return value


async def read_input_data(request: Request) -> dict[str, Any]:
    """The request's input_data as a dict ({} when the request carries none)."""
    from_query = request.query_params.get("input_data")
    if from_query is not None:
        return parse_input_data(from_query)
    body = await request.body()
    if len(body) > MAX_INPUT_BYTES:
        raise Invalid("the request body is too large", "input_data")
    if not body.strip():
        return {}
    content_type = request.headers.get("content-type", "").lower()
    if "multipart/form-data" in content_type:
        form = await request.form()
        value = form.get("input_data")
        return parse_input_data(value) if isinstance(value, str) else {}
    stripped = body.lstrip()
    if "application/x-www-form-urlencoded" in content_type or not stripped.startswith((b"{", b"[")):
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise Invalid("the request body is not UTF-8 text", "input_data") from None
        if "input_data" in fields:
            return parse_input_data(fields["input_data"][0])
        if stripped.startswith((b"{", b"[")):
            return _unwrap(parse_input_data(body))
        raise Invalid("the body carries no input_data", "input_data")
    return _unwrap(parse_input_data(body))


def _unwrap(payload: dict[str, Any]) -> dict[str, Any]:
    """A JSON body may itself be {"input_data": …}."""
    if set(payload) == {"input_data"}:
        inner = payload["input_data"]
        if isinstance(inner, str):
            return parse_input_data(inner)
        if isinstance(inner, dict):
            return inner
        raise WrongType("input_data must be a JSON object", "input_data")
    return payload


async def require_no_input(request: Request) -> None:
    """For operations that take no input: a malformed or non-empty input_data is refused
    (a client that sends fields must learn they were not used), `{}` is fine."""
    payload = await read_input_data(request)
    if payload:
        name = sorted(payload)[0]
        raise Invalid(f"'{name}' is not expected by this operation", name)


NoInput = Annotated[None, Depends(require_no_input)]
