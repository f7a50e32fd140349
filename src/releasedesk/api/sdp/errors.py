"""Core errors and HTTP failures as SDP's `response_status` envelope with its codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

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

# core error kind -> (SDP status code, HTTP status)
CODES: Mapping[ErrorKind, tuple[int, int]] = every_kind(
    {
        ErrorKind.INVALID: (4001, 400),
        ErrorKind.WRONG_TYPE: (4021, 400),
        ErrorKind.MANDATORY: (4012, 400),
        ErrorKind.READ_ONLY: (4014, 400),
        ErrorKind.NOT_FOUND: (4007, 404),
        ErrorKind.NOT_UNIQUE: (4008, 400),
        ErrorKind.FORBIDDEN: (4002, 403),
        ErrorKind.CONFLICT: (4009, 409),
        ErrorKind.TIMES_OUT_OF_ORDER: (4016, 400),
        ErrorKind.UNAUTHENTICATED: (4022, 401),
        ErrorKind.RATE_LIMITED: (4015, 429),
        ErrorKind.UNSUPPORTED_MEDIA_TYPE: (4000, 415),
    }
)


_MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status_code", "type", "message"],
    "properties": {
        "status_code": {"type": "integer"},
        "type": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string"},
    },
}
_STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status_code", "status", "messages"],
    "properties": {
        "status_code": {"type": "integer"},
        "status": {"type": "string"},
        "id": {"type": "string"},
        "messages": {"type": "array", "items": _MESSAGE_SCHEMA},
    },
}
DOCUMENTED_ERRORS = error_responses(
    {
        "type": "object",
        "required": ["response_status"],
        "properties": {
            "response_status": {
                "anyOf": [_STATUS_SCHEMA, {"type": "array", "items": _STATUS_SCHEMA}]
            }
        },
    }
)
"""Every operation's error answers in the OpenAPI document: the envelope, one status or an
array of them (a list route's, or one per id of a request on several)."""
DOCUMENTED_LIST_ERRORS = error_responses(
    {
        "type": "object",
        "required": ["response_status"],
        "properties": {"response_status": {"type": "array", "items": _STATUS_SCHEMA}},
    }
)
"""A list route's error answers (`@answers_list`): its statuses always an array."""


def success_status(as_list: bool = False, **extra: Any) -> Any:
    status = {"status_code": 2000, "status": "success", **extra}
    return [status] if as_list else status


def failure_status(error: ReleaseDeskError, **extra: Any) -> dict[str, Any]:
    code, _ = CODES[error.kind]
    message: dict[str, Any] = {"status_code": code, "type": "failed", "message": error.message}
    if error.field:
        message["field"] = error.field
    return {"status_code": 4000, "status": "failed", **extra, "messages": [message]}


def http_status(error: ReleaseDeskError) -> int:
    return CODES[error.kind][1]


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
LIST_MARK = "__sdp_list_response__"


def answers_list(endpoint: Endpoint) -> Endpoint:
    """Declare a route a list route: every answer it gives, errors (401 included) too,
    carries `response_status` as an array. Put it under the route decorator."""
    setattr(endpoint, LIST_MARK, True)
    return endpoint


def _envelope_of(scope: Scope, status: dict[str, Any]) -> dict[str, Any]:
    """Lists answer with an array of statuses, single entities with one object (the router
    has put the matched endpoint in the scope)."""
    as_list = getattr(scope.get("endpoint"), LIST_MARK, False)
    return {"response_status": [status] if as_list else status}


def _envelope(request: Request, status: dict[str, Any]) -> dict[str, Any]:
    return _envelope_of(request.scope, status)


def error_response(scope: Scope, error: ReleaseDeskError) -> JsonResponse:
    """A core error as SDP answers it."""
    return JsonResponse(
        _envelope_of(scope, failure_status(error)),
        status_code=http_status(error),
        headers=retry_after(error),
    )


def install(app: FastAPI) -> None:
    """Every failure on SDP paths answers in SDP's envelope; never a stack trace."""

    @app.exception_handler(ReleaseDeskError)
    async def domain_error(request: Request, exc: ReleaseDeskError) -> JsonResponse:
        return error_response(request.scope, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JsonResponse:
        error = from_validation_error(list(exc.errors()), whole="input_data")
        return JsonResponse(_envelope(request, failure_status(error)), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        return http_error_response(request.scope, exc)


def http_error_response(scope: Scope, exc: StarletteHTTPException) -> JsonResponse:
    """An HTTP failure (no such path, a method not allowed, a malformed form) as SDP."""
    code = {404: 4007, 405: 4000}.get(exc.status_code, 4000)
    message = {"status_code": code, "type": "failed", "message": str(exc.detail)}
    status = {"status_code": 4000, "status": "failed", "messages": [message]}
    return JsonResponse(_envelope_of(scope, status), status_code=exc.status_code)


def internal_error(scope: Scope) -> JsonResponse:
    """What an unexpected failure answers: SDP's internal-error code, no internals."""
    message = {"status_code": 4004, "type": "failed", "message": "Internal error"}
    status = {"status_code": 4000, "status": "failed", "messages": [message]}
    return JsonResponse(_envelope_of(scope, status), status_code=500)
