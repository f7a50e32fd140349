"""A dialect's OpenAPI document, built from its route table (api/routes.py).

Every route the sub-app answers is in it, the hot ones and the trailing-slash forms
included, with HEAD beside each GET (no body). FastAPI's own generator is not used: it knows
only the routes' signatures, so it would document a 422 no dialect answers, no error shape,
and no query parameter an endpoint reads from the request itself (SDP's `input_data`). The
error answers are each dialect's (api/documented.py). The document is served by the sub-app
at `openapi.json` below its prefix, and FastAPI adds the prefix the client used as
`servers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from releasedesk.api.routes import ApiRoute, Parameter, RouteTable, Schema, with_head

WRITES = frozenset({"POST", "PUT", "PATCH"})
STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
ANY_JSON: Schema = {}
OBJECT: Schema = {"type": "object"}


def array_of(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def object_with(required: Mapping[str, Schema], **optional: Schema) -> Schema:
    """An object with these keys (others allowed: a document names what clients rely on)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **optional},
    }


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def one_of(*schemas: Schema) -> Schema:
    return {"anyOf": list(schemas)}


def document(table: RouteTable) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `table`'s routes."""
    paths: dict[str, dict[str, Any]] = {}
    for path, route in table.routes():
        operations = paths.setdefault(path, {})
        for method in with_head(route.methods):
            operations[method.lower()] = _operation(table, path, route, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": table.title, "version": "1"},
        "paths": paths,
    }


def _operation(table: RouteTable, path: str, route: ApiRoute, method: str) -> dict[str, Any]:
    path_schemas = table.doc.path_parameters
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": path_schemas.get(name, STRING)}
        for name in route.path_names
    ]
    parameters += [_query(p) for p in (*table.doc.parameters, *route.query)]
    responses: dict[str, Any] = {}
    for status, schema in route.answers.items():
        responses[str(status)] = _response(status, schema, method)
    for error, response in table.doc.errors(route).items():
        if method == "HEAD":
            response = {k: v for k, v in response.items() if k != "content"}
        responses.setdefault(str(error), response)
    operation: dict[str, Any] = {
        "operationId": _operation_id(route, path, method),
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if method in WRITES:
        body = route.body if route.body is not None else table.doc.write_body
        if body:
            operation["requestBody"] = body
    return operation


def _query(parameter: Parameter) -> dict[str, Any]:
    """A JSON-text parameter is described by `content` (OpenAPI's way to say the value is
    serialized as JSON), so clients and the docs see the shape it holds, not a bare string."""
    described: dict[str, Any] = {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": parameter.description,
    }
    if parameter.json:
        described["content"] = {"application/json": {"schema": parameter.schema}}
    else:
        described["schema"] = parameter.schema
    return described


def _response(status: int, schema: Schema | None, method: str) -> dict[str, Any]:
    """A success answer; a HEAD's and a 204's carry no body."""
    response: dict[str, Any] = {"description": _DESCRIPTIONS.get(status, "Success")}
    if schema is not None and method != "HEAD" and status != 204:
        response["content"] = {"application/json": {"schema": schema}}
    return response


def _operation_id(route: ApiRoute, path: str, method: str) -> str:
    """Unique in the document: the endpoint, the path and the method (as FastAPI makes them;
    a trailing slash stays an underscore)."""
    return re.sub(r"\W", "_", f"{route.endpoint.__name__}{path}_{method.lower()}")


_DESCRIPTIONS = {200: "OK", 201: "Created", 204: "No content"}
