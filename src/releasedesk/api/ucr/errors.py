"""Core errors and HTTP failures as UrbanCode Release answers them: a JSON object whose
`error` is the message, with the status code of its kind (400, 401, 403, 404, 409, 429 with
Retry-After). The
field at fault (in UCR's names) and, for one element of an array, its index come beside it."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from releasedesk.api.documented import error_responses
from releasedesk.api.rate_limits import retry_after
from releasedesk.api.responses import JsonResponse
from releasedesk.core.errors import (
    ErrorKind,
    ReleaseDeskError,
    every_kind,
    from_validation_error,
)

STATUS: Mapping[ErrorKind, int] = every_kind(
    {
        ErrorKind.INVALID: 400,
        ErrorKind.WRONG_TYPE: 400,
        ErrorKind.MANDATORY: 400,
        ErrorKind.READ_ONLY: 400,
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.NOT_UNIQUE: 400,
        ErrorKind.FORBIDDEN: 403,
        ErrorKind.CONFLICT: 409,
        ErrorKind.TIMES_OUT_OF_ORDER: 400,
        ErrorKind.UNAUTHENTICATED: 401,
        ErrorKind.RATE_LIMITED: 429,
        ErrorKind.UNSUPPORTED_MEDIA_TYPE: 415,
    }
)


DOCUMENTED_ERRORS = error_responses(
    {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "field": {"type": "string"},
            "index": {"type": "integer"},
        },
    }
)
"""Every operation's error answers in the OpenAPI document."""

# The core's names of the fields UCR calls otherwise (the rest are the same).
UCR_FIELD_NAMES = {"title": "name"}


def ucr_field(field: str) -> str:
    head, dot, rest = field.partition(".")
    return UCR_FIELD_NAMES.get(head, head) + dot + rest


def _message(error: ReleaseDeskError) -> str:
    message = error.message
    for core, ucr in UCR_FIELD_NAMES.items():
        message = message.replace(f"'{core}'", f"'{ucr}'")
    if error.index is not None:
        message = f"Element {error.index}: {message}"
    return message


def error_body(error: ReleaseDeskError) -> dict[str, object]:
    body: dict[str, object] = {"error": _message(error)}
    if error.field:
        body["field"] = ucr_field(error.field)
    if error.index is not None:
        body["index"] = error.index
    return body


def error_response(error: ReleaseDeskError) -> JsonResponse:
    status = STATUS[error.kind]
    headers = {"WWW-Authenticate": 'Basic realm="releasedesk"'} if status == 401 else None
    headers = retry_after(error) or headers
    return JsonResponse(error_body(error), status_code=status, headers=headers)


def core_error(_scope: Scope, error: ReleaseDeskError) -> JsonResponse:
    """A core error as UCR answers it, for a front route (api/front_routes.py)."""
    return error_response(error)


def install(app: FastAPI) -> None:
    """Every failure on UCR paths answers in UCR's shape; never a stack trace."""

    @app.exception_handler(ReleaseDeskError)
    async def domain_error(_request: Request, exc: ReleaseDeskError) -> JsonResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JsonResponse:
        return error_response(from_validation_error(list(exc.errors()), "query"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return http_error_response(request.scope, exc)


def http_error_response(_scope: Scope, exc: StarletteHTTPException) -> JsonResponse:
    """An HTTP failure (no such path, a method not allowed, a malformed form) as UCR."""
    return JsonResponse({"error": str(exc.detail)}, status_code=exc.status_code)


def internal_error(_scope: Scope) -> JsonResponse:
    """What an unexpected failure answers: no internals."""
    return JsonResponse({"error": "Internal error"}, status_code=500)
