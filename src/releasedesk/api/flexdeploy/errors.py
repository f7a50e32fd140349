"""Core errors and HTTP failures as FlexDeploy's REST answers: the HTTP status and a JSON
body `{"status": <http status>, "message": "…", "field": "…"}` (field when one is at fault)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from releasedesk.api.documented import error_responses
from releasedesk.api.flexdeploy.translate import field_name
from releasedesk.api.rate_limits import retry_after
from releasedesk.api.responses import JsonResponse
from releasedesk.core.errors import (
    ErrorKind,
    ReleaseDeskError,
    every_kind,
    from_validation_error,
)

HTTP_STATUS: Mapping[ErrorKind, int] = every_kind(
    {
        ErrorKind.INVALID: 400,
        ErrorKind.WRONG_TYPE: 400,
        ErrorKind.MANDATORY: 400,
        ErrorKind.READ_ONLY: 400,
        ErrorKind.NOT_UNIQUE: 400,
        ErrorKind.TIMES_OUT_OF_ORDER: 400,
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.FORBIDDEN: 403,
        ErrorKind.CONFLICT: 409,
        ErrorKind.UNAUTHENTICATED: 401,
        ErrorKind.RATE_LIMITED: 429,
        ErrorKind.UNSUPPORTED_MEDIA_TYPE: 415,
    }
)


DOCUMENTED_ERRORS = error_responses(
    {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "integer"},
            "message": {"type": "string"},
            "field": {"type": "string"},
        },
    }
)
"""Every operation's error answers in the OpenAPI document."""
CHALLENGE = {"WWW-Authenticate": 'Basic realm="FlexDeploy"'}


def error_response(
    status: int,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict[str, object] = {"status": status, "message": message}
    if field:
        body["field"] = field
    if status == 401:
        headers = CHALLENGE
    return JsonResponse(body, status_code=status, headers=headers)


def core_error(_scope: Scope, error: ReleaseDeskError) -> JsonResponse:
    """A core error as FlexDeploy answers it (its handler's and the front routes')."""
    status = HTTP_STATUS[error.kind]
    return error_response(status, error.message, field_name(error.field), retry_after(error))


def install(app: FastAPI) -> None:
    """Every failure on FlexDeploy paths answers in this format; never a stack trace."""

    @app.exception_handler(ReleaseDeskError)
    async def domain_error(request: Request, exc: ReleaseDeskError) -> JsonResponse:
        return core_error(request.scope, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JsonResponse:
        error = from_validation_error(list(exc.errors()))
        return error_response(400, error.message, error.field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return http_error_response(request.scope, exc)


def http_error_response(_scope: Scope, exc: StarletteHTTPException) -> JsonResponse:
    """An HTTP failure (no such path, a method not allowed, a malformed form) as FlexDeploy."""
    return error_response(exc.status_code, str(exc.detail))


def internal_error(_scope: Scope) -> JsonResponse:
    return error_response(500, "Unexpected internal server error")
