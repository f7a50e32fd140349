"""Every failure under /api/v1 as RFC 9457 problem details: `application/problem+json` with
`type` (a URN per kind, stable for clients to switch on), `title` (the kind in words),
`status`, `detail` (what went wrong) and, as extension members, `field` (the field at fault,
in the request's own words), for a freeze, `window` and `next_allowed_at`, and where several
query parameters were refused at once, `invalid_params` ([{name, reason}], RFC 9457's own
example)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from releasedesk.api.documented import error_responses
from releasedesk.api.rate_limits import retry_after
from releasedesk.api.responses import JsonResponse
from releasedesk.core.errors import (
    ErrorKind,
    Frozen,
    ReleaseDeskError,
    every_kind,
    from_validation_error,
)
from releasedesk.core.insights.asking import InvalidParameters

PROBLEM = "application/problem+json"
TYPE_PREFIX = "urn:releasedesk:problem:"

# (HTTP status, title) per kind.
ANSWERS: Mapping[ErrorKind, tuple[int, str]] = every_kind(
    {
        ErrorKind.INVALID: (400, "Invalid value"),
        ErrorKind.WRONG_TYPE: (400, "Wrong type"),
        ErrorKind.MANDATORY: (400, "Missing field"),
        ErrorKind.READ_ONLY: (400, "Read-only field"),
        ErrorKind.NOT_UNIQUE: (409, "Already exists"),
        ErrorKind.TIMES_OUT_OF_ORDER: (400, "Times out of order"),
        ErrorKind.NOT_FOUND: (404, "Not found"),
        ErrorKind.FORBIDDEN: (403, "Forbidden"),
        ErrorKind.CONFLICT: (409, "Conflict"),
        ErrorKind.UNAUTHENTICATED: (401, "Not signed in"),
        ErrorKind.RATE_LIMITED: (429, "Too many requests"),
        ErrorKind.UNSUPPORTED_MEDIA_TYPE: (415, "Unsupported media type"),
    }
)

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "window": {"type": "string"},
        "next_allowed_at": {"type": ["string", "null"], "format": "date-time"},
        "invalid_params": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}
DOCUMENTED_ERRORS = error_responses(PROBLEM_SCHEMA, media_type=PROBLEM)


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    **more: object,
) -> JsonResponse:
    body: dict[str, object] = {
        "type": TYPE_PREFIX + kind if kind else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    body.update(more)
    return JsonResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM)


def core_error(_scope: Scope, error: ReleaseDeskError) -> JsonResponse:
    status, title = ANSWERS[error.kind]
    more: dict[str, object] = {}
    if isinstance(error, Frozen):
        allowed = error.next_allowed_at
        more["window"] = error.window
        more["next_allowed_at"] = allowed.isoformat() if isinstance(allowed, dt.datetime) else None
        kind = "frozen"
        title = "Frozen"
    else:
        kind = error.kind.value
    if isinstance(error, InvalidParameters):  # RFC 9457's own example of an extension
        more["invalid_params"] = [{"name": p.field, "reason": p.message} for p in error.problems]
    return problem(
        status,
        error.message,
        kind=kind,
        title=title,
        field=error.field,
        headers=retry_after(error),
        **more,
    )


def http_error_response(_scope: Scope, exc: StarletteHTTPException) -> JsonResponse:
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


def internal_error(_scope: Scope) -> JsonResponse:
    return problem(500, "Something went wrong on our side; nothing was changed.")


def install(app: FastAPI) -> None:
    """Every failure under /api/v1 answers as problem details; never a stack trace."""

    @app.exception_handler(ReleaseDeskError)
    async def domain_error(request: Request, exc: ReleaseDeskError) -> JsonResponse:
        return core_error(request.scope, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JsonResponse:
        return core_error(request.scope, from_validation_error(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return http_error_response(request.scope, exc)
