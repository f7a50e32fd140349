"""What an attacker sends every dialect is a 400 in that dialect's format naming the field,
and nothing is stored (issue #19): text that is not UTF-8 wherever it arrives (a form, a
multipart field, a query string, a path), a JSON key given twice, a number past a double,
text longer than its field keeps."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from releasedesk.core.limits import MAX_LONG_TEXT
from releasedesk.db.models import Release
from tests.helpers import Desk

DIALECTS = ["sdp", "ucr", "flexdeploy"]


def _json_headers(desk: Desk) -> dict[str, str]:
    return {"Authorization": f"Bearer {desk.admin.key}", "content-type": "application/json"}


def _field_of(dialect: str, response: httpx.Response) -> str:
    """The field a dialect's error names, each in its own format."""
    body = response.json()
    if dialect == "sdp":
        status = body["response_status"]
        status = status[0] if isinstance(status, list) else status
        assert status["status_code"] == 4000
        return str(status["messages"][0]["field"])
    if dialect == "ucr":
        assert set(body) == {"error", "field"}
        return str(body["field"])
    assert body["status"] == 400
    return str(body["field"])


def _create(desk: Desk, dialect: str, body: str) -> httpx.Response:
    """A create with `body` as the dialect's clients send it (SDP: form-encoded input_data)."""
    if dialect == "sdp":
        return desk.client.post(
            f"{desk.base}/releases",
            data={"input_data": body},
            headers={"authtoken": desk.admin.key},
        )
    path = "/releases/" if dialect == "ucr" else "/flexdeploy/rest/v1/releases"
    return desk.client.post(
        f"/app/{desk.portal}{path}", content=body.encode(), headers=_json_headers(desk)
    )


def _release(dialect: str, **fields: Any) -> dict[str, Any]:
    names = {"sdp": "title", "ucr": "name", "flexdeploy": "releaseName"}
    body = {names[dialect]: fields.pop("title", "Hostile"), **fields}
    return {"release": body} if dialect == "sdp" else body


# --- invalid UTF-8 -----------------------------------------------------------------------


def _sdp_post(desk: Desk, content: bytes, content_type: str) -> httpx.Response:
    return desk.client.post(
        f"{desk.base}/releases",
        content=content,
        headers={"authtoken": desk.admin.key, "content-type": content_type},
    )


def test_sdp_form_input_data_percent_encoding_invalid_utf8_is_a_400(desk: Desk) -> None:
    """Was stored as U+FFFD with a 201."""
    before = desk.count(Release)
    body = b"input_data=" + b'{"release":{"title":"a%FFb"}}'.replace(b'"', b"%22")
    response = _sdp_post(desk, body, "application/x-www-form-urlencoded")
    assert response.status_code == 400, response.text
    assert _field_of("sdp", response) == "input_data"
    assert "UTF-8" in response.text
    assert desk.count(Release) == before


def test_sdp_multipart_input_data_of_invalid_utf8_is_a_400(desk: Desk) -> None:
    """Starlette decodes such a field as Latin-1: it was stored as 'aÿb'."""
    before = desk.count(Release)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="input_data"\r\n\r\n'
        b'{"release": {"title": "a\xffb"}}\r\n--XyZ--\r\n'
    )
    response = _sdp_post(desk, body, "multipart/form-data; boundary=XyZ")
    assert response.status_code == 400, response.text
    assert _field_of("sdp", response) == "input_data"
    assert desk.count(Release) == before


def test_sdp_input_data_in_the_query_of_a_list_refuses_invalid_utf8(desk: Desk) -> None:
    """SDP's GET lists take input_data in the query: it searched for U+FFFD."""
    query = '{"list_info":{"search_fields":{"title":"a%FFb"}}}'.replace('"', "%22")
    response = desk.client.get(
        f"{desk.base}/releases?input_data={query}", headers={"authtoken": desk.admin.key}
    )
    assert response.status_code == 400, response.text
    assert _field_of("sdp", response) == "input_data"


@pytest.mark.parametrize(
    ("dialect", "path", "field"),
    [
        ("sdp", "/api/v3/releases/close?ids=1%FF", "ids"),
        ("ucr", "/releases/?name=a%FFb", "name"),
        ("flexdeploy", "/flexdeploy/rest/v1/releases?releaseName=a%FFb", "releaseName"),
        ("ucr", "/releases/%FF", "release_id"),
        ("flexdeploy", "/flexdeploy/rest/v1/releases/%FF", "release_id"),
        ("sdp", "/api/v3/releases/1%FF", "release_id"),
    ],
)
def test_invalid_utf8_in_a_query_or_a_path_is_a_400_naming_it(
    desk: Desk, dialect: str, path: str, field: str
) -> None:
    """A UCR or FlexDeploy search used to run with U+FFFD in it, a path id answer 404."""
    method = "PUT" if path.endswith("/close?ids=1%FF") else "GET"
    headers = {"authtoken": desk.admin.key} if dialect == "sdp" else _json_headers(desk)
    response = desk.client.request(method, f"/app/{desk.portal}{path}", headers=headers)
    assert response.status_code == 400, response.text
    assert _field_of(dialect, response) == field
    assert "UTF-8" in response.text


# --- JSON: keys given twice, numbers past a double -----------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_key_given_twice_is_a_400_naming_it(desk: Desk, dialect: str) -> None:
    """Each dialect kept the last value silently (201)."""
    before = desk.count(Release)
    body = json.dumps(_release(dialect, title="First"))
    name = {"sdp": "title", "ucr": "name", "flexdeploy": "releaseName"}[dialect]
    body = body.replace(f'"{name}": "First"', f'"{name}": "First", "{name}": "Second"')
    response = _create(desk, dialect, body)
    assert response.status_code == 400, response.text
    assert _field_of(dialect, response) == name
    assert "twice" in response.text
    assert desk.count(Release) == before


def test_sdp_refuses_a_key_given_twice_in_a_python_literal(desk: Desk) -> None:
    response = _create(desk, "sdp", "{'release': {'title': 'A', 'title': 'B'}}")
    assert response.status_code == 400, response.text
    assert _field_of("sdp", response) == "title"


def test_sdp_refuses_a_number_past_a_double_in_a_python_literal(desk: Desk) -> None:
    """Python reads 1e400 as inf; a worklog of inf hours was a 500 (OverflowError)."""
    rid = desk.create_release()["id"]
    response = desk.client.post(
        f"{desk.base}/releases/{rid}/worklogs",
        data={"input_data": "{'worklog': {'time_spent': {'hours': 1e400}}}"},
        headers={"authtoken": desk.admin.key},
    )
    assert response.status_code == 400, response.text
    assert _field_of("sdp", response) == "worklog.time_spent.hours"


@pytest.mark.parametrize("dialect", ["ucr", "flexdeploy"])
@pytest.mark.parametrize("number", ["1e400", "1" + "0" * 400])
def test_a_number_past_a_double_is_a_400(desk: Desk, dialect: str, number: str) -> None:
    body = json.dumps(_release(dialect)).replace("}", f', "description": {number}}}')
    response = _create(desk, dialect, body)
    assert response.status_code == 400, response.text
    assert _field_of(dialect, response) == "body"
    assert "too large" in response.text


# --- long text ----------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_title_of_a_megabyte_is_refused_by_its_length(desk: Desk, dialect: str) -> None:
    before = desk.count(Release)
    response = _create(desk, dialect, json.dumps(_release(dialect, title="x" * 1_000_000)))
    assert response.status_code == 400, response.text[:300]
    assert _field_of(dialect, response) in ("title", "name", "releaseName")
    assert desk.count(Release) == before


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_description_past_the_limit_is_refused_by_its_length(desk: Desk, dialect: str) -> None:
    """SDP and UCR stored a megabyte of description (201)."""
    before = desk.count(Release)
    body = _release(dialect)
    target = body["release"] if dialect == "sdp" else body
    target["description"] = "x" * (MAX_LONG_TEXT + 1)
    response = _create(desk, dialect, json.dumps(body))
    assert response.status_code == 400, response.text[:300]
    assert _field_of(dialect, response) == "description"
    assert desk.count(Release) == before
