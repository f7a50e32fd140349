"""What UrbanCode Release's OpenAPI document says of its operations: JSON in and out, the
`format` every release answer takes, its error shape `{"error": …}` (api/openapi.py builds
the document from the table)."""

from __future__ import annotations

from collections.abc import Mapping

from releasedesk.api.openapi import INTEGER, OBJECT, STRING, array_of, object_with, one_of
from releasedesk.api.routes import ApiRoute, DocStyle, Parameter, Schema

Answers = Mapping[int, Schema | None]

ONE: Answers = {200: OBJECT}
CREATED: Answers = {201: OBJECT}
MANY: Answers = {200: array_of(OBJECT)}
GONE: Answers = {204: None}
# One release created (201, with Location), or an array of them (201; 200 when empty).
RELEASES_CREATED: Answers = {201: one_of(OBJECT, array_of(OBJECT)), 200: array_of(OBJECT)}

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
ERROR = object_with({"error": STRING}, field=STRING, index=INTEGER)
ERROR_STATUSES = (400, 401, 403, 404, 409, 415, 429)


def errors(_route: ApiRoute) -> dict[int, Schema]:
    return dict.fromkeys(ERROR_STATUSES, ERROR)


UUID: Schema = {"type": "string", "format": "uuid"}
DOC = DocStyle(
    parameters=(),
    write_body=JSON_BODY,
    errors=errors,
    path_parameters=dict.fromkeys(("release_id", "model_id", "team_id"), UUID),
)
