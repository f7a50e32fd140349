"""The inputs real clients (and attackers) send, as a table per dialect: empty bodies, wrong
content types, SDP's single-quoted `input_data`, huge numbers, deep and wide
`search_criteria`, invalid UTF-8 (raw and percent-encoded), duplicate JSON keys and very long
strings. Each answers what the dialect promises: the success a real client expects, or a
4xx in the dialect's own error format naming the field at fault; never a 500, never a
traceback, and a refused write leaves no row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from releasedesk.db.models import Release
from tests.api.flexdeploy.support import flex_for
from tests.conftest import TestClient
from tests.helpers import Desk, make_desk

LONG = "x" * 1_000_000
TRACEBACK_SIGNS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.", "asyncpg.")


@dataclass(frozen=True)
class Hostile:
    """One request and what it must answer."""

    name: str
    method: str
    path: str  # under the dialect's base for the test portal
    body: bytes | None = None
    content_type: str | None = None
    query: str = ""  # already encoded, sent as is
    status: int = 400
    field: str | None = None  # the field the refusal names

    def param(self) -> Any:
        return pytest.param(self, id=self.name)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _form(input_data: str | bytes) -> bytes:
    raw = input_data if isinstance(input_data, bytes) else input_data.encode()
    return b"input_data=" + quote(raw, safe="").encode()


def _deep_criteria(depth: int) -> dict[str, Any]:
    criteria: dict[str, Any] = {"field": "title", "condition": "like", "value": "x"}
    for _ in range(depth):
        criteria = {"field": "title", "condition": "like", "value": "x", "children": [criteria]}
    return criteria


def _wide_criteria(width: int) -> list[dict[str, Any]]:
    first = {"field": "title", "condition": "like", "value": "x"}
    rest = [{**first, "logical_operator": "OR"} for _ in range(width - 1)]
    return [first, *rest]


def _list_query(list_info: Any) -> str:
    return "input_data=" + quote(json.dumps({"list_info": list_info}), safe="")


def _list_form(list_info: Any) -> bytes:
    """A list request's input_data in a form body (SDP takes it so on a GET too), for
    input longer than a URL may be."""
    return _form(json.dumps({"list_info": list_info}))


FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
INVALID_UTF8_TITLE = b'{"release": {"title": "caf\xe9"}}'  # Latin-1, not UTF-8

SDP_CASES = [
    Hostile("encoded newline in a path id", "PUT", "/releases/1%0A2", status=404),
    Hostile("encoded newline in a hot read's id", "GET", "/releases/1%0A2", status=404),
    Hostile("encoded newline under a release", "GET", "/releases/{id}/tasks/1%0A2", status=404),
    Hostile("empty body", "POST", "/releases", b"", FORM, field="release"),
    Hostile("empty input_data", "POST", "/releases", b"input_data=", FORM, field="release"),
    Hostile("body without input_data", "POST", "/releases", b"title=x", FORM, field="input_data"),
    Hostile(
        "json sent as text/plain",
        "POST",
        "/releases",
        _json({"release": {"title": "Plain text"}}),
        "text/plain",
        status=415,
    ),
    Hostile(
        "xml content type",
        "POST",
        "/releases",
        b"<release><title>x</title></release>",
        "application/xml",
        status=415,
    ),
    Hostile(
        "single-quoted input_data in a form",
        "POST",
        "/releases",
        _form("{'release': {'title': 'Single quoted'}}"),
        FORM,
        status=201,
    ),
    Hostile(
        "single-quoted input_data in the query",
        "GET",
        "/releases",
        query="input_data=" + quote("{'list_info': {'row_count': 5}}", safe=""),
        status=200,
    ),
    Hostile(
        "single-quoted input_data with a huge number",
        "GET",
        "/releases",
        query="input_data=" + quote("{'list_info': {'row_count': " + "9" * 40 + "}}", safe=""),
        field="row_count",
    ),
    Hostile(
        "huge number beyond 64 bits",
        "GET",
        "/releases",
        query="input_data=" + quote('{"list_info": {"row_count": ' + "9" * 40 + "}}", safe=""),
        field="row_count",
    ),
    Hostile(
        "huge exponent",
        "GET",
        "/releases",
        query="input_data=" + quote('{"list_info": {"start_index": 1e400}}', safe=""),
        field="start_index",
    ),
    Hostile(
        "huge id of a lookup",
        "POST",
        "/releases",
        _form(json.dumps({"release": {"title": "x", "priority": {"id": "9" * 30}}})),
        FORM,
        field="priority",
    ),
    Hostile(
        "deep search_criteria",
        "GET",
        "/releases",
        query=_list_query({"search_criteria": _deep_criteria(400)}),
        field="search_criteria",
    ),
    Hostile(
        "wide search_criteria",
        "GET",
        "/releases",
        _list_form({"search_criteria": _wide_criteria(2_000)}),
        FORM,
        field="search_criteria",
    ),
    Hostile(
        "raw invalid UTF-8 in a form",
        "POST",
        "/releases",
        b"input_data=" + INVALID_UTF8_TITLE,
        FORM,
        field="input_data",
    ),
    Hostile(
        "raw invalid UTF-8 in a JSON body",
        "POST",
        "/releases",
        INVALID_UTF8_TITLE,
        JSON_TYPE,
        field="input_data",
    ),
    Hostile(
        "percent-encoded invalid UTF-8 in a form",
        "POST",
        "/releases",
        _form(INVALID_UTF8_TITLE),
        FORM,
        field="input_data",
    ),
    Hostile(
        "percent-encoded invalid UTF-8 in the query",
        "GET",
        "/releases",
        query="input_data="
        + quote(
            b'{"list_info": {"search_criteria": '
            b'{"field": "title", "condition": "like", "value": "caf\xe9"}}}',
            safe="",
        ),
        field="input_data",
    ),
    Hostile(
        "duplicate keys",
        "POST",
        "/releases",
        _form('{"release": {"title": "first", "title": "second"}}'),
        FORM,
        field="title",
    ),
    Hostile(
        "very long title",
        "POST",
        "/releases",
        _json({"release": {"title": LONG}}),
        JSON_TYPE,
        field="title",
    ),
    Hostile(
        "very long search value",
        "GET",
        "/releases",
        _list_form(
            {"search_criteria": {"field": "title", "condition": "like", "value": "x" * 100_000}}
        ),
        FORM,
        field="search_criteria",
    ),
]

UCR_CASES = [
    Hostile("encoded newline in a path id", "PUT", "/releases/a%0Ab", status=404),
    Hostile("encoded newline in a team id", "GET", "/teams/a%0Ab", status=404),
    Hostile("empty body", "POST", "/releases/", b"", JSON_TYPE, field="body"),
    Hostile("whitespace body", "POST", "/releases/", b"  \n ", JSON_TYPE, field="body"),
    Hostile(
        "json sent as text/plain",
        "POST",
        "/releases/",
        _json({"name": "Plain text"}),
        "text/plain",
        status=415,
    ),
    Hostile(
        "form content type",
        "POST",
        "/releases/",
        b"name=x",
        FORM,
        status=415,
    ),
    Hostile(
        "huge number beyond 64 bits",
        "PUT",
        "/releases/{uuid}",
        b'{"version": ' + b"9" * 40 + b"}",
        JSON_TYPE,
        field="version",
    ),
    Hostile(
        "huge milestone date",
        "POST",
        "/releases/",
        _json({"name": "x", "milestones": [{"name": "m", "date": 1e300}]}),
        JSON_TYPE,
        field="milestones",
    ),
    Hostile(
        "huge page number",
        "GET",
        "/releases/",
        query="pageNumber=" + "9" * 40,
        field="pageNumber",
    ),
    Hostile("deep nesting", "POST", "/releases/", b"[" * 5_000, JSON_TYPE, field="body"),
    Hostile(
        "raw invalid UTF-8", "POST", "/releases/", b'{"name": "caf\xe9"}', JSON_TYPE, field="body"
    ),
    Hostile(
        "percent-encoded invalid UTF-8 in the query",
        "GET",
        "/releases/",
        query="name=caf%E9",
        field="name",
    ),
    Hostile(
        "duplicate keys",
        "POST",
        "/releases/",
        b'{"name": "first", "name": "second"}',
        JSON_TYPE,
        field="name",
    ),
    Hostile("very long name", "POST", "/releases/", _json({"name": LONG}), JSON_TYPE, field="name"),
    Hostile(
        "very long team name",
        "POST",
        "/teams/",
        _json({"name": LONG}),
        JSON_TYPE,
        field="name",
    ),
]

FLEX_CASES = [
    Hostile("encoded newline in a path id", "PATCH", "/releases/1%0A2", status=404),
    Hostile("encoded newline in a project id", "GET", "/projects/1%0A2", status=404),
    Hostile("empty body", "POST", "/releases", b"", JSON_TYPE, field="body"),
    Hostile(
        "json sent as text/plain",
        "POST",
        "/releases",
        _json({"releaseName": "Plain text"}),
        "text/plain",
        status=415,
    ),
    Hostile(
        "huge number beyond 64 bits",
        "POST",
        "/releases",
        b'{"releaseName": "x", "pipelineId": ' + b"9" * 40 + b"}",
        JSON_TYPE,
        field="pipelineId",
    ),
    Hostile(
        "huge pipeline id",
        "POST",
        "/releases",
        _json({"releaseName": "x", "pipelineId": 9_223_372_036_854_775_807}),
        JSON_TYPE,
        status=400,
        field="pipelineId",
    ),
    Hostile(
        "huge float",
        "PUT",
        "/releases/{id}/executions",
        _json({"runningExecutions": 1e300}),
        JSON_TYPE,
        field="runningExecutions",
    ),
    Hostile("deep nesting", "POST", "/releases", b"{" * 5_000, JSON_TYPE, field="body"),
    Hostile(
        "raw invalid UTF-8",
        "POST",
        "/releases",
        b'{"releaseName": "caf\xe9"}',
        JSON_TYPE,
        field="body",
    ),
    Hostile(
        "percent-encoded invalid UTF-8 in the query",
        "GET",
        "/releases",
        query="releaseName=caf%E9",
        field="releaseName",
    ),
    Hostile(
        "duplicate keys",
        "POST",
        "/releases",
        b'{"releaseName": "first", "releaseName": "second"}',
        JSON_TYPE,
        field="releaseName",
    ),
    Hostile(
        "very long name",
        "POST",
        "/releases",
        _json({"releaseName": LONG}),
        JSON_TYPE,
        field="releaseName",
    ),
]


@dataclass
class Portal:
    desk: Desk
    release_id: str
    release_uuid: str

    def send(self, dialect: str, case: Hostile) -> Any:
        base = (
            f"/app/{self.desk.portal}"
            + {
                "sdp": "/api/v3",
                "ucr": "",
                "flexdeploy": "/flexdeploy/rest/v1",
            }[dialect]
        )
        path = case.path.replace("{id}", self.release_id).replace("{uuid}", self.release_uuid)
        key = self.desk.admin.key
        headers = {"authtoken": key} if dialect == "sdp" else {"Authorization": f"Bearer {key}"}
        if case.content_type:
            headers["Content-Type"] = case.content_type
        url = base + path + (f"?{case.query}" if case.query else "")
        client: TestClient = self.desk.client
        return client.request(case.method, url, content=case.body, headers=headers)


@pytest.fixture(scope="module")
def portal(client: TestClient) -> Iterator[Portal]:
    desk = make_desk(client)
    flex_for(desk)
    release = desk.create_release(title="Target")
    found = client.get(
        f"/app/{desk.portal}/releases/", headers={"Authorization": f"Bearer {desk.admin.key}"}
    ).json()
    yield Portal(desk, release["id"], found[0]["id"])


def _named_field(dialect: str, body: Any) -> str:
    """The field a refusal names, in the dialect's format (and its message, for context)."""
    if dialect == "sdp":
        status = body["response_status"]
        status = status[0] if isinstance(status, list) else status
        message = status["messages"][0]
        return f"{message.get('field', '')} | {message['message']}"
    if dialect == "ucr":
        return f"{body.get('field', '')} | {body['error']}"
    assert body["status"] >= 400
    return f"{body.get('field', '')} | {body['message']}"


def _check(portal: Portal, dialect: str, case: Hostile) -> None:
    before = portal.desk.count(Release)
    response = portal.send(dialect, case)
    assert response.status_code != 500, response.text[:500]
    for sign in TRACEBACK_SIGNS:
        assert sign not in response.text, response.text[:2000]
    assert response.status_code == case.status, response.text[:500]
    if case.status >= 400:
        assert response.headers["content-type"].startswith("application/json")
        named = _named_field(dialect, response.json())
        if case.field:
            assert case.field in named.split(" | ")[0], named
        if case.method != "GET":
            assert portal.desk.count(Release) == before, "a refused write left a row"


@pytest.mark.parametrize("case", [c.param() for c in SDP_CASES])
def test_sdp(portal: Portal, case: Hostile) -> None:
    _check(portal, "sdp", case)


@pytest.mark.parametrize("case", [c.param() for c in UCR_CASES])
def test_ucr(portal: Portal, case: Hostile) -> None:
    _check(portal, "ucr", case)


@pytest.mark.parametrize("case", [c.param() for c in FLEX_CASES])
def test_flexdeploy(portal: Portal, case: Hostile) -> None:
    _check(portal, "flexdeploy", case)
