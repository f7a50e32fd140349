"""What UrbanCode Release's OpenAPI document says of its operations: JSON in and out, the
`format` every release answer takes, its error shape `{"error": …}` (api/openapi.py builds
the document from the table)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasedesk.api.openapi import INTEGER, OBJECT, array_of, one_of
from releasedesk.api.routes import ApiRoute, DocStyle, Parameter, Schema
from releasedesk.api.ucr.errors import DOCUMENTED_ERRORS

Answers = Mapping[int, Schema | None]

ONE: Answers = {200: OBJECT}
CREATED: Answers = {201: OBJECT}
MANY: Answers = {200: array_of(OBJECT)}
GONE: Answers = {204: None}
# One release created (201, with Location), or an array of them (201; 200 when empty).
RELEASES_CREATED: Answers = {
    201: one_of(OBJECT, array_of(OBJECT)),
    200: {"type": "array", "maxItems": 0},
}

FORMAT = Parameter(
    "format",
    "detail (the default), list or name: how much of each release is answered",
    {"type": "string", "enum": ["detail", "list", "name"]},
)
LIST_FILTERS = (
    Parameter("name", "Releases of this name (* a wildcard)"),
    Parameter("ghosted", "true: the releases ghosted (in the trash) instead of the live ones"),
    Parameter("rowsPerPage", "Rows per page (1 to 10,000)", INTEGER),
    Parameter("pageNumber", "The page, from 1", INTEGER),
)
JSON_BODY: Schema = {"required": True, "content": {"application/json": {"schema": OBJECT}}}
RELEASES_BODY: Schema = {
    "required": True,
    "content": {"application/json": {"schema": one_of(OBJECT, array_of(OBJECT))}},
}


def errors(_route: ApiRoute) -> Mapping[int | str, dict[str, Any]]:
    return DOCUMENTED_ERRORS


UUID: Schema = {"type": "string", "format": "uuid"}
DOC = DocStyle(
    parameters=(),
    write_body=JSON_BODY,
    errors=errors,
    path_parameters=dict.fromkeys(("release_id", "model_id", "team_id"), UUID),
)
