"""A request's JSON, read the one way every dialect reads it.

`parse_json` takes a body that is JSON (UrbanCode Release, FlexDeploy): orjson parses it
strictly (no NaN, no lone surrogates, no invalid UTF-8, no number past a double) and a body
that is not JSON is refused with where the parser stopped. `refuse_unfit` is then run on
every parsed input, SDP's `input_data` included, and refuses, naming where it is:
- a string holding a NUL character, which PostgreSQL cannot store in text (SQLite would keep
  it and PostgreSQL not, so the two would disagree), or a lone surrogate;
- objects and arrays nested deeper than MAX_JSON_DEPTH (core/limits.py);
- a number that is not finite (SDP's Python-literal form can spell 1e400).
`loads` also refuses an object naming a key twice: parsers keep one of the two
silently (orjson the last), so the client could not know which value was used.
"""

from __future__ import annotations

import json
import math
import re

import orjson

from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.limits import MAX_JSON_DEPTH
from releasedesk.core.text import unstorable

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def parse_json(body: bytes, *, max_bytes: int, missing: str) -> JsonValue:
    """The body as a JSON value; `missing` says what an empty body should have held."""
    if len(body) > max_bytes:
        raise Invalid(f"The request body is larger than {max_bytes:,} bytes", "body")
    if not body.strip():
        raise Mandatory("body", missing)
    return loads(body, "body")


def loads(text: bytes | str, field: str, path: str = "") -> JsonValue:
    """JSON text as a value (orjson, strict), fit (`refuse_unfit`) and its keys each once;
    `field` names the text in a parse error (the body, or a JSON string inside one) and
    `path` is where its value sits, for the errors about a part of it."""
    try:
        value: JsonValue = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        reason = exc.msg
        if "infinity" in reason:
            reason = "a number too large to hold (past a 64-bit float)"
        where = "The request body" if field == "body" else f"'{field}'"
        raise Invalid(
            f"{where} is not valid JSON: {reason} at line {exc.lineno}, column {exc.colno} "
            f"(char {exc.pos})",
            field,
        ) from None
    check_parsed(text, value, field, path)
    return value


def check_parsed(text: bytes | str, value: object, field: str, path: str = "") -> None:
    """`loads`' checks of a value orjson parsed from `text`."""
    keys, string_colons = _walk(value, path)
    _refuse_duplicate_keys(text, keys, string_colons, field)


def refuse_unfit(value: object, path: str = "") -> None:
    """Refuse a string (value or key) no database column holds the same way (a NUL, or
    from a parser less strict than orjson a lone surrogate), nesting past MAX_JSON_DEPTH,
    and a number that is not finite, naming where it is."""
    _walk(value, path)


# Where a value sits, built only when an error names it: (parent, key or index) or the root.
_Path = tuple["_Path", str | int] | str


def _walk(value: object, root: str) -> tuple[int, int]:
    """`refuse_unfit`'s checks, without recursion; answers the keys of every object and the
    colons in every string, for `_refuse_duplicate_keys`."""
    keys = colons = 0
    pending: list[tuple[object, _Path, int]] = [(value, root, 0)]
    while pending:
        item, where, depth = pending.pop()
        if isinstance(item, str):
            colons += item.count(":")
            if (what := unstorable(item)) is not None:
                _refuse_text(where, what)
        elif isinstance(item, dict):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                _refuse_depth(where)
            keys += len(item)
            for key, child in item.items():
                colons += key.count(":")
                if (what := unstorable(key)) is not None:
                    _refuse_text((where, key), what)
                pending.append((child, (where, key), depth))
        elif isinstance(item, list):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                _refuse_depth(where)
            pending.extend((child, (where, i), depth) for i, child in enumerate(item))
        elif isinstance(item, float) and not math.isfinite(item):
            field = _named(where)
            raise Invalid(f"'{field}' is a number too large to hold", field)
    return keys, colons


def _named(where: _Path) -> str:
    """A path as the errors name fields (`release.roles[2].user`), cut to what a message
    can carry."""
    parts: list[str] = []
    while isinstance(where, tuple):
        where, key = where
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    parts.append(where)
    name = "".join(reversed(parts)).lstrip(".") or "body"
    return name if len(name) <= 200 else name[:100] + "…" + name[-100:]


def _refuse_text(where: _Path, what: str) -> None:
    field = _named(where)
    raise Invalid(f"'{field}' holds {what}, which no database stores alike", field)


def _refuse_depth(where: _Path) -> None:
    field = _named(where)
    raise Invalid(f"'{field}' nests objects and arrays deeper than {MAX_JSON_DEPTH} levels", field)


_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def _refuse_duplicate_keys(text: bytes | str, keys: int, string_colons: int, field: str) -> None:
    """Refuse JSON text naming a key twice in one object, naming the key.

    orjson keeps the last of the two, so the parsed value cannot tell; counting can. Every
    colon of JSON text outside its strings separates a key from its value, so when no object
    lost a key the colons of the text are the keys of the parsed objects plus the colons
    inside the parsed strings. That holds unless a string spells a colon as an escape
    (\\u003a), which the text does not show as one; then, or when the counts differ, the
    text is read again keeping every pair to find the key (a slower parse, only then)."""
    raw = text.encode() if isinstance(text, str) else text
    if raw.count(b":") == keys + string_colons and not _ESCAPED_COLON.search(raw):
        return
    duplicate = _first_duplicate_key(raw)
    if duplicate is not None:
        name = _named(duplicate)
        raise Invalid(f"'{name}' is given twice in one object of '{field}'", name)


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _first_duplicate_key(raw: bytes) -> str | None:
    """The first key given twice in one object, or None."""

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, child in items:
            if key in seen:
                raise _Duplicate(key)
            seen[key] = child
        return seen

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except _Duplicate as found:
        return found.key
    except (ValueError, RecursionError):
        return None  # orjson read it; a parser that cannot has no duplicate to show
    return None
