"""Find `input_data` wherever real SDP clients put it, and parse it.

Clients send it in the query string on every verb, form-encoded in the body on every verb
(GET included), as a JSON body (with or without an `input_data` wrapper), or as a Python
literal with single quotes; an empty body is no input at all.
"""

from __future__ import annotations

import ast
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request

from releasedesk.api.json_body import check_parsed, refuse_unfit
from releasedesk.api.multipart import multipart_field
from releasedesk.api.request_body import read_body
from releasedesk.api.request_text import check_url_text
from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.url_text import form_pairs

MAX_INPUT_BYTES = 2_000_000


def parse_input_data(raw: str | bytes) -> dict[str, Any]:
    """JSON, or a Python literal (parsed, never evaluated); must be an object. Either way its
    keys each once and its values fit (api/json_body.py)."""
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
        value = _python_literal(raw, exc)
    else:
        check_parsed(raw, value, "input_data")
    if not isinstance(value, dict):
        raise WrongType("input_data must be a JSON object", "input_data")
    return value


def _python_literal(raw: str, json_error: orjson.JSONDecodeError) -> object:
    """What SDP's Python clients send (`str(dict)`): single quotes, True, None."""
    try:
        tree = ast.parse(raw.strip(), mode="eval")
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                _refuse_duplicate_literal_keys(node)
        value = ast.literal_eval(tree)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise Invalid(f"input_data is not valid JSON: {json_error}", "input_data") from None
    refuse_unfit(value)  # a NUL, a lone surrogate, 1e400 (inf): a Python literal spells them
    return value


def _refuse_duplicate_literal_keys(node: ast.Dict) -> None:
    seen: set[object] = set()
    for key in node.keys:
        if isinstance(key, ast.Constant):
            if key.value in seen:
                name = key.value if isinstance(key.value, str) else repr(key.value)
                raise Invalid(f"'{name}' is given twice in one object of input_data", name)
            seen.add(key.value)


async def read_input_data(request: Request) -> dict[str, Any]:
    """The request's input_data as a dict ({} when the request carries none). Every text it
    comes in is UTF-8 or refused naming the field (core/url_text.py), never read as U+FFFD;
    the URL's other parameters and path too (the front routes reach no FastAPI dependency)."""
    check_url_text(request.scope)
    from_query = _query_input(request)
    if from_query is not None:
        return parse_input_data(from_query)
    body = await read_body(request, MAX_INPUT_BYTES, "input_data")
    if not body.strip():
        return {}
    content_type = request.headers.get("content-type", "").lower()
    if "multipart/form-data" in content_type:
        value = multipart_field(request.headers.get("content-type", ""), body, "input_data")
        return parse_input_data(value) if value is not None else {}
    stripped = body.lstrip()
    if "application/x-www-form-urlencoded" in content_type or not stripped.startswith((b"{", b"[")):
        fields = dict(reversed(form_pairs(body)))  # the first of a repeated name, as before
        if "input_data" in fields:
            return parse_input_data(fields["input_data"])
        if stripped.startswith((b"{", b"[")):
            return _unwrap(parse_input_data(body))
        raise Invalid("the body carries no input_data", "input_data")
    return _unwrap(parse_input_data(body))


def _query_input(request: Request) -> str | None:
    """`input_data` of the query string; other names there are checked too (any text the
    request carries that is not UTF-8 is refused)."""
    raw: bytes = request.scope.get("query_string", b"")
    if not raw:
        return None
    if raw.isascii() and b"%" not in raw:
        return request.query_params.get("input_data")
    given = [value for name, value in form_pairs(raw, what="query") if name == "input_data"]
    return given[-1] if given else None  # the last, as Starlette's query_params answers


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
