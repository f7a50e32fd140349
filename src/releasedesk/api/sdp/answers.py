"""What SDP's OpenAPI document says of its operations: the shapes of its answers (the
`response_status` envelope around the entity, the list or the status alone), `input_data` on
every operation, and its errors (api/sdp/errors.py; api/openapi.py builds the document from
the table)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasedesk.api.openapi import (
    ANY_JSON,
    BOOLEAN,
    INTEGER,
    OBJECT,
    STRING,
    array_of,
    nullable,
    object_with,
    one_of,
)
from releasedesk.api.routes import ApiRoute, DocStyle, Parameter, Schema
from releasedesk.api.sdp.errors import DOCUMENTED_ERRORS, DOCUMENTED_LIST_ERRORS, LIST_MARK
from releasedesk.api.sdp.list_info import MAX_ROW_COUNT
from releasedesk.core.work.kinds import ASSOCIATION_KINDS, CHILD_KINDS

Answers = Mapping[int, Schema | None]

STATUS = object_with({"status_code": INTEGER, "status": STRING}, messages=array_of(OBJECT))
STATUSES = array_of(STATUS)


def one(key: str, *, status: int = 200, may_be_null: bool = False) -> Answers:
    """`{"response_status": {…}, key: {…}}`."""
    value = nullable(OBJECT) if may_be_null else OBJECT
    return {status: object_with({"response_status": STATUS, key: value})}


def listing(key: str, *, paged: bool = True) -> Answers:
    """`{"response_status": [{…}], "list_info": {…}, key: [{…}, …]}`."""
    page = {"list_info": OBJECT} if paged else {}
    return {200: object_with({"response_status": STATUSES, **page, key: array_of(OBJECT)})}


def per_id(key: str | None) -> Answers:
    """An operation on `?ids=`: one status per id, the entities that succeeded (an object
    for one id, an array for several)."""
    entities = {} if key is None else {key: one_of(OBJECT, array_of(OBJECT))}
    return {200: object_with({"response_status": one_of(STATUS, STATUSES)}, **entities)}


def some(*, status: int = 200) -> Answers:
    """The status and an entity whose key depends on the path (`{plural}`)."""
    return {status: object_with({"response_status": one_of(STATUS, STATUSES)})}


DONE: Answers = {200: object_with({"response_status": STATUS})}

IDS = Parameter("ids", "The ids to act on: ids=1,2,3 (or ids repeated)")
SEARCH_CRITERION = object_with(
    {"field": STRING},
    condition=STRING,
    value=ANY_JSON,
    values=array_of(ANY_JSON),
    logical_operator={"type": "string", "enum": ["AND", "OR"]},
    children=array_of(OBJECT),
)
SORT_ORDER: Schema = {"type": "string", "enum": ["asc", "desc"]}
LIST_INFO = object_with(
    {},
    row_count={"type": "integer", "minimum": 1, "maximum": MAX_ROW_COUNT},
    start_index={"type": "integer", "minimum": 1},
    page={"type": "integer", "minimum": 1},
    get_total_count=BOOLEAN,
    sort_field=STRING,
    sort_order=SORT_ORDER,
    sort_fields=array_of(object_with({"field": STRING}, order=SORT_ORDER)),
    fields_required=array_of(STRING),
    search_fields=OBJECT,
    search_criteria=one_of(SEARCH_CRITERION, array_of(SEARCH_CRITERION)),
    filter_by=OBJECT,
)
INPUT_DATA_SCHEMA: Schema = {
    **object_with({}, list_info=LIST_INFO),
    "description": "One key, the entity the operation takes, e.g. "
    '{"release": {"title": "…"}} or {"task": {…}}; a list takes {"list_info": {…}}',
    "examples": [{"list_info": {"row_count": 2, "start_index": 1, "sort_order": "desc"}}],
}
INPUT_DATA = Parameter(
    "input_data",
    "The operation's input: a JSON object as text, URL-encoded (a Python literal with "
    "single quotes is read too); it may come in the body instead, form-encoded or as JSON",
    INPUT_DATA_SCHEMA,
    json=True,
)
WRITE_BODY: Schema = {
    "required": False,
    "content": {
        "application/json": {"schema": OBJECT},
        "application/x-www-form-urlencoded": {"schema": object_with({}, input_data=STRING)},
    },
}


def errors(route: ApiRoute) -> Mapping[int | str, dict[str, Any]]:
    """SDP's error envelope; a list route answers its status in an array, errors included."""
    listing_route = getattr(route.endpoint, LIST_MARK, False)
    return DOCUMENTED_LIST_ERRORS if listing_route else DOCUMENTED_ERRORS


ID: Schema = {"type": "string", "pattern": "^[0-9]+$"}
PATH_PARAMETERS: dict[str, Schema] = {
    **dict.fromkeys(("release_id", "level_id", "approval_id", "user_id"), ID),
    # What hangs off a release; an association's id is the associated change's or project's.
    "plural": {"type": "string", "enum": sorted({*CHILD_KINDS, *ASSOCIATION_KINDS})},
    "child_id": STRING,
}

DOC = DocStyle(
    parameters=(INPUT_DATA,), write_body=WRITE_BODY, errors=errors, path_parameters=PATH_PARAMETERS
)
