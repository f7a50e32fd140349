"""Every request's URL text is UTF-8 or refused naming the field: the query string's names
and values and the path's segments, percent-escapes included (core/url_text.py). Starlette
would hand them over with U+FFFD in place of the bytes.

`refuse_invalid_url_text` is a dependency of every route of a dialect's sub-app
(api/dialect_app.py), so the refusal is an Invalid its error handlers answer as a 400 in the
dialect's format; the front routes, which FastAPI does not run, call `check_url_text`
themselves (SDP's through `read_input_data`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Scope

from releasedesk.core.url_text import refuse_invalid_form, refuse_invalid_path


def check_url_text(scope: Scope) -> None:
    refuse_invalid_form(scope.get("query_string", b""), what="query")
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        refuse_invalid_path(raw_path, scope.get("path_params", {}))


async def refuse_invalid_url_text(request: Request) -> None:
    check_url_text(request.scope)
