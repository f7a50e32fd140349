"""Ids in paths and the URIs of new elements."""

from __future__ import annotations

import uuid

from fastapi import Request

from releasedesk.core.errors import NotFound


def path_uuid(raw: str, what: str) -> uuid.UUID:
    """An element id in the path; one that is not a UUID names no element (404)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"No {what} with id '{raw}'", "id") from None


def location(request: Request, element_id: uuid.UUID) -> str:
    """The new element's URI: the collection's URL as the client called it, and the id."""
    base = str(request.url.replace(query="", fragment="")).rstrip("/")
    return f"{base}/{element_id}"
