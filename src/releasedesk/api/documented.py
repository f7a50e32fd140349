"""What a dialect's OpenAPI document says every operation may answer besides its success:
the error statuses its error table gives, each a JSON body in the dialect's error format.

The routes build their answers themselves (JsonResponse), so FastAPI cannot see these; a
dialect passes them to its sub-app (api/dialect_app.py) and they join every operation.
"""

from __future__ import annotations

from typing import Any

from releasedesk.api.responses import JsonResponse

JSON = JsonResponse.media_type.partition(";")[0]

# Every status a dialect's error table or the HTTP layer gives, and what it means there.
ERROR_STATUSES: dict[int, str] = {
    400: "Bad input: the message names the field",
    401: "No credentials, or a key or password that does not sign in here",
    403: "The caller may not do this",
    404: "No such release (or element of one) in this portal, or no such path",
    409: "A conflict: the release changed meanwhile, or the rules forbid it now",
    415: "A body whose content type this operation does not take",
    429: "Too many failed sign-ins, or requests: retry after Retry-After seconds",
    500: "An unexpected failure, without internals",
}


def error_responses(
    body_schema: dict[str, Any], media_type: str = JSON
) -> dict[int | str, dict[str, Any]]:
    """The documented error answers, each with the dialect's error body."""
    return {
        status: {"description": meaning, "content": {media_type: {"schema": body_schema}}}
        for status, meaning in ERROR_STATUSES.items()
    }
