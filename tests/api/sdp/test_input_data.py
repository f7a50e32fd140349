"""input_data as real clients send it: query string, form body (GET too), JSON body, literal."""

from __future__ import annotations

import json

import pytest

from tests.helpers import Desk


@pytest.mark.parametrize("as_", ["query", "form", "json"])
def test_add_accepts_input_data_everywhere(desk: Desk, as_: str) -> None:
    response = desk.post("/releases", input_data={"release": {"title": f"Via {as_}"}}, as_=as_)
    assert response.status_code == 201, response.text
    assert response.json()["release"]["title"] == f"Via {as_}"


def test_query_string_input_with_empty_json_body(desk: Desk) -> None:
    """zohosdplusapi: input_data in the query, Content-Type JSON, empty body."""
    response = desk.client.post(
        f"{desk.base}/releases",
        params={"input_data": json.dumps({"release": {"title": "From the query"}})},
        headers={"authtoken": desk.admin.key, "Content-Type": "application/json"},
        content=b"",
    )
    assert response.status_code == 201, response.text
    assert response.json()["release"]["title"] == "From the query"


def test_json_body_wrapped_in_input_data(desk: Desk) -> None:
    body = json.dumps({"input_data": {"release": {"title": "Wrapped"}}})
    response = desk.post("/releases", input_data=body, as_="json")
    assert response.status_code == 201, response.text
    assert response.json()["release"]["title"] == "Wrapped"


@pytest.mark.parametrize("as_", ["query", "form"])
def test_get_list_with_input_data(desk: Desk, as_: str) -> None:
    """Two releases and a page of one: ignored input_data would list both."""
    desk.create_release(title="Listed one")
    desk.create_release(title="Listed two")
    response = desk.get("/releases", input_data={"list_info": {"row_count": 1}}, as_=as_)
    assert response.status_code == 200
    body = response.json()
    assert [r["title"] for r in body["releases"]] == ["Listed two"]
    assert body["list_info"]["row_count"] == 1 and body["list_info"]["has_more_rows"] is True


def test_empty_json_body_on_get_is_no_error(desk: Desk) -> None:
    desk.create_release(title="Listed")
    response = desk.client.get(
        f"{desk.base}/releases",
        headers={"authtoken": desk.admin.key, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert [r["title"] for r in response.json()["releases"]] == ["Listed"]


def test_python_literal_with_single_quotes_is_parsed_not_evaluated(desk: Desk) -> None:
    response = desk.post("/releases", input_data="{'release': {'title': 'Single quoted'}}")
    assert response.status_code == 201, response.text
    assert response.json()["release"]["title"] == "Single quoted"
    evil = desk.post("/releases", input_data="__import__('os').system('true')")
    assert evil.status_code == 400
    assert evil.json()["response_status"]["messages"][0]["field"] == "input_data"


def test_non_ascii_round_trips(desk: Desk) -> None:
    title = "Déploiement 数据库 — Ünïcode ✓"
    created = desk.create_release(title=title, description="<p>Größe: 10 ✓</p>")
    fetched = desk.get(f"/releases/{created['id']}").json()["release"]
    assert fetched["title"] == title
    assert fetched["description"] == "<p>Größe: 10 ✓</p>"
    form = desk.post("/releases", input_data={"release": {"title": title}}, as_="form")
    assert form.status_code == 201, form.text
    assert desk.get(f"/releases/{form.json()['release']['id']}").json()["release"]["title"] == title


@pytest.mark.parametrize(
    ("bad", "code"),
    [("{not json", 4001), ("[1, 2]", 4021), ('"a string"', 4021), ("{'release': ", 4001)],
)
def test_malformed_input_data_is_a_400_naming_input_data(desk: Desk, bad: str, code: int) -> None:
    """Not JSON at all is invalid (4001); JSON that is not an object is the wrong type."""
    response = desk.post("/releases", input_data=bad)
    assert response.status_code == 400
    message = response.json()["response_status"]["messages"][0]
    assert (message["field"], message["status_code"]) == ("input_data", code)
