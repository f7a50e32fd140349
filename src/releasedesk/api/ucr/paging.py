"""Paging of UCR lists: `rowsPerPage` and `pageNumber` (1-based). Without them a list
answers every element, up to `MAX_ROWS` (ask for pages beyond that)."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from releasedesk.api.wire_values import integer
from releasedesk.core.errors import Invalid

MAX_ROWS = 10_000


def page_of(params: QueryParams) -> tuple[int, int]:
    """(offset, limit) of the page asked for."""
    rows = params.get("rowsPerPage")
    number = params.get("pageNumber")
    limit = MAX_ROWS if rows is None else integer(rows, "rowsPerPage")
    page = 1 if number is None else integer(number, "pageNumber")
    if not 1 <= limit <= MAX_ROWS:
        raise Invalid(f"'rowsPerPage' must be between 1 and {MAX_ROWS}", "rowsPerPage")
    if page < 1:
        raise Invalid("'pageNumber' starts at 1", "pageNumber")
    if (page - 1) * limit > 2**62:
        raise Invalid("'pageNumber' is too large", "pageNumber")
    return (page - 1) * limit, limit
