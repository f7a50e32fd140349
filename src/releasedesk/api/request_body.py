"""A request's body read up to a bound: past it the request is refused without reading (or
keeping) the rest, where `request.body()` would hold a gigabyte in memory before any size
check ran."""

from __future__ import annotations

from starlette.requests import Request

from releasedesk.core.errors import Invalid


async def read_body(request: Request, max_bytes: int, field: str) -> bytes:
    """The body, at most `max_bytes`, else an Invalid naming `field`. Kept on the request,
    so a later `request.body()` or `request.form()` reads the same bytes."""
    cached: bytes | None = getattr(request, "_body", None)
    if cached is not None:
        return cached
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes, field)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes, field)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # what Request.body() caches: the stream is spent
    return body


def _too_large(max_bytes: int, field: str) -> Invalid:
    return Invalid(f"The request body is larger than {max_bytes:,} bytes", field)
