"""The spec's add, get, update and list samples, sent verbatim, answer in the spec's shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.api.sdp.shapes import shape_problems
from tests.helpers import Desk

GOLDEN = Path(__file__).parent / "golden"


def load(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def raw(name: str) -> str:
    return (GOLDEN / name).read_text()


def test_the_shape_check_reports_each_kind_of_difference() -> None:
    sample = {"a": {"b": 1}, "items": [{"name": "x"}], "assets": [{"id": "1"}], "text": "t"}
    assert shape_problems(sample, sample) == []
    assert shape_problems(
        sample, {"a": {"b": "1"}, "items": [], "assets": [], "text": "other"}
    ) == [
        "$.a.b: expected int, got str",
        "$.items: expected at least one element, got an empty array",
        "$.text: expected 't', got 'other'",
    ]
    assert shape_problems(sample, {"a": {}, "items": [{}], "assets": [], "text": "t"}) == [
        "$.a.b: missing",
        "$.items[0].name: missing",
    ]


def test_add_sample_verbatim_gets_the_sample_response_shape(default_desk: Desk) -> None:
    desk = default_desk
    response = desk.post("/api/v3/releases", input_data=raw("add_request.json"), as_="form")
    assert response.status_code == 201, response.text
    body = response.json()
    assert shape_problems(load("add_response.json"), body) == []
    release = body["release"]
    assert release["roles"][0]["user"]["name"] == "Guest"
    assert release["release_requester"]["name"] == "Guest"
    assert [s["name"] for s in release["services"]] == ["Application Login", "Communication"]


def test_get_sample_shape(default_desk: Desk) -> None:
    desk = default_desk
    created = desk.post("/api/v3/releases", input_data=raw("add_request.json")).json()["release"]
    moved = desk.put(
        f"/api/v3/releases/{created['id']}",
        input_data={
            "release": {
                "stage": {"name": "Planning"},
                "status": {"name": "Rejected"},
                "next_review_on": {"value": "1592820250370"},
            }
        },
    )
    assert moved.status_code == 200, moved.text
    response = desk.get(f"/api/v3/releases/{created['id']}")
    assert response.status_code == 200
    expected = load("get_response.json")
    assert shape_problems(expected, response.json()) == []


def test_update_sample_verbatim(default_desk: Desk) -> None:
    desk = default_desk
    created = desk.post("/api/v3/releases", input_data={"release": {"title": "Before"}}).json()
    response = desk.put(
        f"/api/v3/releases/{created['release']['id']}",
        input_data=raw("update_request.json"),
        as_="form",
    )
    assert response.status_code == 200, response.text
    assert shape_problems(load("update_response.json"), response.json()) == []


def _for_fresh_portal(sample: dict[str, Any]) -> dict[str, Any]:
    """The add sample for a fresh portal, whose template and services have other ids."""
    sample["release"]["template"] = {"name": "General Template"}
    sample["release"]["services"] = [{"name": s["name"]} for s in sample["release"]["services"]]
    return sample


def test_list_sample_verbatim(desk: Desk) -> None:
    desk.post("/releases", input_data=_for_fresh_portal(load("add_request.json")))
    desk.create_release(title="Unrelated Exchange patch")
    created = desk.post("/releases", input_data=_for_fresh_portal(load("add_request.json"))).json()[
        "release"
    ]
    desk.put(
        f"/releases/{created['id']}",
        input_data={
            "release": {
                "title": "MSSQL Server service pack upgrade release",
                "stage": {"name": "Planning"},
                "status": {"name": "Rejected"},
                "next_review_on": {"value": "1592820250370"},
            }
        },
    )
    response = desk.get("/releases", input_data=raw("list_request.json"), as_="form")
    assert response.status_code == 200, response.text
    body = response.json()
    expected = load("list_response.json")
    # The sample echoes a sort and a search it was not sent; we echo what was applied.
    problems = shape_problems(expected, body, compare_values=False)
    assert [p for p in problems if not p.startswith("$.list_info.search_fields")] == []
    assert body["list_info"]["total_count"] == 2
    assert body["list_info"]["sort_field"] == "id"
    assert body["list_info"]["sort_order"] == "desc"
    titles = [r["title"] for r in body["releases"]]
    assert titles == [
        "MSSQL Server service pack upgrade release",
        "MSSQL Server service pack upgrade",
    ]
    assert body["releases"][0]["status"]["name"] == "Rejected"
