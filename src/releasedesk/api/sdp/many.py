"""Requests naming several releases (`?ids=1,2`): parse the ids, answer one status per id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from releasedesk.api.responses import JsonResponse
from releasedesk.api.sdp.errors import failure_status, http_status, success_status
from releasedesk.api.wire_values import entity_id, is_digits
from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.limits import MAX_IDS
from releasedesk.core.releases.lifecycle import Outcome
from releasedesk.core.releases.views import Release


def ids_of(request: Request, what: str = "release") -> list[int]:
    """`ids=1,2,3` (or repeated `ids=`); each the id of a `what`, each once."""
    raw = ",".join(request.query_params.getlist("ids"))
    if raw.count(",") > 2 * MAX_IDS:  # counted before splitting: a megabyte of commas
        raise Invalid(f"'ids' names at most {MAX_IDS} ids at once", "ids")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise Mandatory("ids", "'ids' is mandatory: ?ids=1,2,3")
    if len(parts) > MAX_IDS:
        raise Invalid(f"'ids' names at most {MAX_IDS} ids at once", "ids")
    ids: list[int] = []
    for part in parts:
        if not is_digits(part):
            raise Invalid(f"'{part}' is not a {what} id", "ids")
        release_id = entity_id(part, "ids")
        if release_id not in ids:
            ids.append(release_id)
    return ids


def outcomes_response(
    outcomes: list[Outcome],
    render: Callable[[Release], dict[str, Any]] | None,
    *,
    single_as_object: bool = False,
) -> JsonResponse:
    """One status per id (with its id and own code); the releases that succeeded.

    One id answers `releases` as an object, several as an array. HTTP 200 when any id
    succeeded, else the first error's status.
    """
    statuses = [
        success_status(id=str(o.release_id))
        if o.error is None
        else failure_status(o.error, id=str(o.release_id))
        for o in outcomes
    ]
    body: dict[str, Any] = {"response_status": statuses}
    if single_as_object and len(outcomes) == 1:
        body["response_status"] = {k: v for k, v in statuses[0].items() if k != "id"}
    if render is not None:
        rendered = [render(o.release) for o in outcomes if o.release is not None]
        if rendered:
            body["releases"] = rendered[0] if len(outcomes) == 1 else rendered
    failures = [o.error for o in outcomes if o.error is not None]
    status_code = 200 if len(failures) < len(outcomes) else http_status(failures[0])
    return JsonResponse(body, status_code=status_code)
