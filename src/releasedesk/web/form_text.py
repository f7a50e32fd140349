"""A page's form and URL as UTF-8 text, or an Invalid naming the field (a 400 page).

Starlette reads a percent-escape that does not spell UTF-8 as U+FFFD, so a title typed as
`a%FFb` by a script would be stored as "a\ufffdb"; here the same bytes are read strictly
(core/url_text.py) first. The pages' forms are URL-encoded (htmx sends them so); a multipart
body, whose fields Starlette decodes as Latin-1 when they are not UTF-8, is refused.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from releasedesk.core.errors import Invalid
from releasedesk.core.limits import MAX_FORM_BYTES
from releasedesk.core.url_text import refuse_invalid_form, refuse_invalid_path


def check_url(request: Request) -> None:
    """The query string and the path are UTF-8 text."""
    refuse_invalid_form(request.scope.get("query_string", b""), what="query")
    raw_path = request.scope.get("raw_path")
    if raw_path is not None:
        refuse_invalid_path(raw_path, request.path_params)


async def read_form(request: Request) -> FormData:
    """The form, each name and value UTF-8 text, its body at most MAX_FORM_BYTES."""
    if "multipart/form-data" in request.headers.get("content-type", "").lower():
        raise Invalid("This form must be sent URL-encoded, as the page sends it", "form")
    refuse_invalid_form(await _body(request), what="form")
    return await request.form()  # reads the body kept on the request


async def _body(request: Request) -> bytes:
    """The body read up to MAX_FORM_BYTES (api/request_body.py does the same for the
    dialects, which the web front may not import), kept where `request.form()` reads it."""
    declared = request.headers.get("content-length", "")
    too_large = Invalid(f"This form is larger than {MAX_FORM_BYTES:,} bytes", "form")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise too_large
        chunks.append(chunk)
    request._body = b"".join(chunks)
    return request._body
