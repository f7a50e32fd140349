"""What FlexDeploy's OpenAPI document says of its operations: JSON objects and arrays in,
its error shape `{status, message, field}` out (api/openapi.py builds the document)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasedesk.api.flexdeploy.errors import DOCUMENTED_ERRORS
from releasedesk.api.openapi import INTEGER, OBJECT, array_of, object_with
from releasedesk.api.routes import ApiRoute, DocStyle, Schema

Answers = Mapping[int, Schema | None]

ONE: Answers = {200: OBJECT}
CREATED: Answers = {201: OBJECT}
MANY: Answers = {200: array_of(OBJECT)}
EXECUTIONS: Answers = {
    200: object_with({"releaseId": INTEGER, "runningExecutions": INTEGER}),
}
JSON_BODY: Schema = {"required": True, "content": {"application/json": {"schema": OBJECT}}}


def errors(_route: ApiRoute) -> Mapping[int | str, dict[str, Any]]:
    return DOCUMENTED_ERRORS


ID: Schema = {"type": "string", "pattern": "^[0-9]+$"}
DOC = DocStyle(
    parameters=(),
    write_body=JSON_BODY,
    errors=errors,
    path_parameters=dict.fromkeys(("release_id", "pipeline_id", "project_id"), ID),
)
