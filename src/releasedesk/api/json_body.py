"""A request's JSON, read the one way every dialect reads it.

`parse_json` takes a body that is JSON (UrbanCode Release, FlexDeploy): orjson parses it
strictly (no NaN, no lone surrogates, no invalid UTF-8, 1024 levels at most) and a body that
is not JSON is refused with where the parser stopped. `refuse_unstorable` is then run on
every parsed input, SDP's `input_data` included: a string holding a NUL character, which
PostgreSQL cannot store in text, is refused naming where it is, instead of failing at the
database as a 500 (SQLite would keep it and PostgreSQL not, so the two would disagree).
"""

from __future__ import annotations

import orjson

from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.releases.text import unstorable

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def parse_json(body: bytes, *, max_bytes: int, missing: str) -> JsonValue:
    """The body as a JSON value; `missing` says what an empty body should have held."""
    if len(body) > max_bytes:
        raise Invalid(f"The request body is larger than {max_bytes:,} bytes", "body")
    if not body.strip():
        raise Mandatory("body", missing)
    try:
        value: JsonValue = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno} (char {exc.pos})",
            "body",
        ) from None
    refuse_unstorable(value)
    return value


def refuse_unstorable(value: object, path: str = "") -> None:
    """Refuse a string (value or key) that no database column can hold the same way: one
    with a NUL character, or (from a parser less strict than orjson) a lone surrogate."""
    pending: list[tuple[object, str]] = [(value, path)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            _check_text(item, where or "body")
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str):
                    _check_text(key, name)
                pending.append((child, name))
        elif isinstance(item, list):
            pending.extend((child, f"{where}[{i}]") for i, child in enumerate(item))


def _check_text(text: str, field: str) -> None:
    if (what := unstorable(text)) is not None:
        raise Invalid(f"'{field}' holds {what}, which no database stores alike", field)
