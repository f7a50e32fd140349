"""Text no database stores alike is refused by every dialect with a 400 naming the field, and
nothing is written: a NUL character (PostgreSQL refuses it in text, SQLite would keep it)
and a lone surrogate (not text at all; JSON can spell it with an escape, and SDP's Python
literal form too)."""

from __future__ import annotations

import pytest

from releasedesk.db.models import Release
from tests.helpers import Desk

NUL, SURROGATE = "\\u0000", "\\ud800"


def _send(desk: Desk, dialect: str, title: str) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {desk.admin.key}", "content-type": "application/json"}
    if dialect == "ucr":
        body = '{"name": "A' + title + ' title"}'
        response = desk.client.post(f"/app/{desk.portal}/releases/", content=body, headers=headers)
    elif dialect == "flexdeploy":
        body = '{"releaseName": "R", "projects": [{"packageName": "p' + title + '"}]}'
        path = f"/app/{desk.portal}/flexdeploy/rest/v1/releases"
        response = desk.client.post(path, content=body, headers=headers)
    else:
        body = '{"release": {"title": "A' + title + ' title"}}'
        response = desk.client.post(
            f"{desk.base}/releases",
            data={"input_data": body},
            headers={"authtoken": desk.admin.key},
        )
    return response.status_code, response.text


@pytest.mark.parametrize("dialect", ["sdp", "ucr", "flexdeploy"])
@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_unstorable_text_is_a_400_naming_the_field(desk: Desk, dialect: str, bad: str) -> None:
    before = desk.count(Release)
    status, text = _send(desk, dialect, bad)
    assert status == 400, text
    field = {"sdp": "title", "ucr": "name", "flexdeploy": "projects[0].packageName"}[dialect]
    if bad == SURROGATE and dialect != "sdp":
        assert "not valid JSON" in text and "surrogate" in text  # the parser refuses it
    else:
        assert field in text, text
    assert desk.count(Release) == before


def test_sdp_refuses_a_lone_surrogate_spelled_as_a_python_literal(desk: Desk) -> None:
    response = desk.client.post(
        f"{desk.base}/releases",
        data={"input_data": "{'release': {'title': 'A\\ud800 title'}}"},
        headers={"authtoken": desk.admin.key},
    )
    assert response.status_code == 400, response.text
    assert "release.title" in response.text and "surrogate" in response.text


def test_a_nul_in_a_search_value_is_a_400_not_a_database_error(desk: Desk) -> None:
    """UCR's ?name= goes to the one search; PostgreSQL refuses a NUL even as a parameter."""
    headers = {"Authorization": f"Bearer {desk.admin.key}"}
    response = desk.client.get(f"/app/{desk.portal}/releases/?name=a%00b", headers=headers)
    assert response.status_code == 400, response.text
    assert "name" in response.json()["field"]
