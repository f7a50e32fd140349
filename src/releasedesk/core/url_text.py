"""Text a client sent URL-encoded (a query string, a form body, a path), decoded strictly.

Starlette decodes a percent-escape that does not spell UTF-8 as U+FFFD (and a multipart
field as Latin-1), so `title=a%FFb` would be stored as "a\ufffdb" with a 201. These read the
same bytes and refuse such text as an Invalid naming the field, which every front (dialect
or web page) answers as a 400 its own way. Pure functions over bytes: the core sees no
request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import unquote_to_bytes

from releasedesk.core.errors import Invalid


def form_pairs(raw: bytes, *, what: str = "form") -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` pairs (a form body or a query string), each name
    and value UTF-8 once unescaped; a field that is not is refused naming it."""
    return list(_pairs(raw, what))


def refuse_invalid_form(raw: bytes, *, what: str = "query") -> None:
    """`form_pairs`' check alone; plain ASCII without escapes (most requests) costs nothing."""
    if raw and not (raw.isascii() and b"%" not in raw):
        for _ in _pairs(raw, what):
            pass


def refuse_invalid_path(raw_path: bytes, path_params: Mapping[str, object]) -> None:
    """Refuse a path whose percent-escapes do not spell UTF-8, naming the path parameter
    that holds the segment (Starlette gave it U+FFFD), else `path`."""
    if raw_path.isascii() and b"%" not in raw_path:
        return
    for segment in raw_path.split(b"/"):
        try:
            unquote_to_bytes(segment).decode("utf-8")
        except UnicodeDecodeError as exc:
            shown = unquote_to_bytes(segment).decode("utf-8", "replace")
            names = [k for k, v in path_params.items() if isinstance(v, str) and shown in v]
            field = names[0] if names else "path"
            raise Invalid(_message(field, exc), field) from None


def _pairs(raw: bytes, what: str) -> Iterator[tuple[str, str]]:
    for piece in raw.split(b"&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition(b"=")
        name = _decoded(raw_name, what)
        yield name, _decoded(raw_value, name)


def _decoded(raw: bytes, field: str) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(_message(field, exc), field) from None


def _message(field: str, exc: UnicodeDecodeError) -> str:
    return (
        f"'{field}' is not UTF-8 text: byte 0x{exc.object[exc.start]:02X} at "
        f"{exc.start} of its value cannot start or continue a character"
    )
