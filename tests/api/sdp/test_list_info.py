"""Every list_info feature, run in the database, and its echo in the response."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import Desk, make_desk


def listing(desk: Desk, key: str | None = None, **list_info: Any) -> dict[str, Any]:
    response = desk.get("/releases", key=key, input_data={"list_info": list_info})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["response_status"], list)
    return body


def titles(body: dict[str, Any]) -> list[str]:
    return [r["title"] for r in body["releases"]]


@pytest.fixture(scope="module")
def seeded(client: TestClient) -> Desk:
    """Five releases with known priorities, stages and times (read-only for its tests)."""
    desk = make_desk(client)
    specs = [
        ("Alpha mssql patch", "High", "Submission", 1_600_000_000_000),
        ("Beta exchange upgrade", "Low", "Planning", 1_600_100_000_000),
        ("Gamma MSSQL migration", "High", "Planning", 1_600_200_000_000),
        ("Delta payroll hotfix", "Medium", "Testing", 1_600_300_000_000),
        ("Epsilon 100% rollout_plan", None, "Closure", 1_600_400_000_000),
    ]
    for title, priority, stage, start in specs:
        fields: dict[str, Any] = {
            "title": title,
            "stage": {"name": stage},
            "scheduled_start_time": {"value": str(start)},
        }
        if priority:
            fields["priority"] = {"name": priority}
        desk.create_release(**fields)
    return desk


def test_default_page_is_ten_rows_newest_first(desk: Desk) -> None:
    for n in range(12):
        desk.create_release(title=f"Release {n:02d}")
    body = listing(desk)
    assert len(body["releases"]) == 10
    assert body["list_info"]["row_count"] == 10
    assert body["list_info"]["has_more_rows"] is True
    assert body["list_info"]["start_index"] == 1
    assert titles(body)[0] == "Release 11"


def test_row_count_start_index_page_and_total(seeded: Desk) -> None:
    body = listing(seeded, row_count=2, start_index=2, sort_field="title", get_total_count=True)
    assert titles(body) == ["Beta exchange upgrade", "Delta payroll hotfix"]
    assert body["list_info"]["total_count"] == 5
    assert body["list_info"]["get_total_count"] == "true"
    assert body["list_info"]["has_more_rows"] is True
    zero = listing(seeded, row_count=2, start_index=0, sort_field="title")
    assert titles(zero) == ["Alpha mssql patch", "Beta exchange upgrade"]
    page3 = listing(seeded, row_count=2, page=3, sort_field="title")
    assert titles(page3) == ["Gamma MSSQL migration"]
    assert page3["list_info"]["has_more_rows"] is False
    assert "total_count" not in page3["list_info"]


def test_row_count_is_capped_at_100(desk: Desk) -> None:
    """More than 100 releases, so a cap that is missing (or another number) shows."""
    for n in range(101):
        desk.create_release(title=f"Release {n:03d}")
    body = listing(desk, row_count=500, sort_field="title", sort_order="asc")
    assert body["list_info"]["row_count"] == 100
    assert titles(body) == [f"Release {n:03d}" for n in range(100)]
    assert body["list_info"]["has_more_rows"] is True
    second = listing(desk, row_count=500, page=2, sort_field="title", sort_order="asc")
    assert titles(second) == ["Release 100"]


def test_sort_field_order_and_sort_fields(seeded: Desk) -> None:
    desc = listing(seeded, sort_field="scheduled_start_time", sort_order="desc")
    assert titles(desc) == [
        "Epsilon 100% rollout_plan",
        "Delta payroll hotfix",
        "Gamma MSSQL migration",
        "Beta exchange upgrade",
        "Alpha mssql patch",
    ]
    assert desc["list_info"]["sort_order"] == "desc"
    asc = listing(seeded, sort_field="scheduled_start_time", sort_order="asc")
    assert titles(asc) == titles(desc)[::-1]
    multi = listing(
        seeded,
        sort_fields=[
            {"field": "priority.name", "order": "asc"},
            {"field": "title", "order": "desc"},
        ],
    )
    assert titles(multi)[:3] == [
        "Gamma MSSQL migration",
        "Alpha mssql patch",
        "Beta exchange upgrade",
    ]


def test_search_fields_object_and_json_string(seeded: Desk) -> None:
    body = listing(seeded, search_fields={"title": "mssql", "priority.name": "High"})
    assert sorted(titles(body)) == ["Alpha mssql patch", "Gamma MSSQL migration"]
    assert body["list_info"]["search_fields"] == {"title": "mssql", "priority.name": "High"}
    encoded = listing(seeded, search_fields='{"stage.name": "planning"}')
    assert sorted(titles(encoded)) == ["Beta exchange upgrade", "Gamma MSSQL migration"]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            {"field": "title", "condition": "contains", "value": "MSSQL"},
            ["Alpha mssql patch", "Gamma MSSQL migration"],
        ),
        (
            {"field": "title", "condition": "not contains", "value": "mssql"},
            ["Beta exchange upgrade", "Delta payroll hotfix", "Epsilon 100% rollout_plan"],
        ),
        (
            {"field": "title", "condition": "starts with", "value": "gamma"},
            ["Gamma MSSQL migration"],
        ),
        ({"field": "title", "condition": "ends with", "value": "HOTFIX"}, ["Delta payroll hotfix"]),
        (
            {"field": "title", "condition": "contains", "value": "100%"},
            ["Epsilon 100% rollout_plan"],
        ),
        ({"field": "title", "condition": "contains", "value": "alp_a"}, []),
        (
            {"field": "title", "condition": "contains", "value": "t_p"},
            ["Epsilon 100% rollout_plan"],
        ),
        (
            {"field": "priority.name", "condition": "is", "value": "high"},
            ["Alpha mssql patch", "Gamma MSSQL migration"],
        ),
        (
            {"field": "priority", "condition": "eq", "value": {"name": "Low"}},
            ["Beta exchange upgrade"],
        ),
        (
            {"field": "priority.name", "condition": "is", "values": ["Low", "Medium"]},
            ["Beta exchange upgrade", "Delta payroll hotfix"],
        ),
        (
            {"field": "priority.name", "condition": "is not", "value": "High"},
            ["Beta exchange upgrade", "Delta payroll hotfix", "Epsilon 100% rollout_plan"],
        ),
        (
            {"field": "priority", "condition": "!=", "value": None},
            [
                "Alpha mssql patch",
                "Beta exchange upgrade",
                "Delta payroll hotfix",
                "Gamma MSSQL migration",
            ],
        ),
        (
            {"field": "stage.name", "condition": "=", "value": "Planning"},
            ["Beta exchange upgrade", "Gamma MSSQL migration"],
        ),
        (
            {
                "field": "scheduled_start_time",
                "condition": "greater than",
                "value": "1600200000000",
            },
            ["Delta payroll hotfix", "Epsilon 100% rollout_plan"],
        ),
        (
            {"field": "scheduled_start_time", "condition": "gte", "value": 1600200000000},
            ["Delta payroll hotfix", "Epsilon 100% rollout_plan", "Gamma MSSQL migration"],
        ),
        (
            {"field": "scheduled_start_time", "condition": "lt", "value": "1600100000000"},
            ["Alpha mssql patch"],
        ),
        (
            {
                "field": "scheduled_start_time",
                "condition": "lesser or equal",
                "value": "1600100000000",
            },
            ["Alpha mssql patch", "Beta exchange upgrade"],
        ),
        (
            {
                "field": "scheduled_start_time",
                "condition": "between",
                "values": ["1600100000000", "1600300000000"],
            },
            ["Beta exchange upgrade", "Delta payroll hotfix", "Gamma MSSQL migration"],
        ),
        (
            {
                "field": "scheduled_start_time",
                "condition": "not between",
                "values": ["1600100000000", "1600300000000"],
            },
            ["Alpha mssql patch", "Epsilon 100% rollout_plan"],
        ),
        (
            [
                {"field": "priority.name", "condition": "is", "value": "High"},
                {
                    "field": "stage.name",
                    "condition": "is",
                    "value": "Planning",
                    "logical_operator": "and",
                },
            ],
            ["Gamma MSSQL migration"],
        ),
        (
            [
                {"field": "priority.name", "condition": "is", "value": "Low"},
                {
                    "field": "stage.name",
                    "condition": "is",
                    "value": "Testing",
                    "logical_operator": "Or",
                },
            ],
            ["Beta exchange upgrade", "Delta payroll hotfix"],
        ),
        (
            {
                "field": "stage.name",
                "condition": "is",
                "value": "Planning",
                "children": [
                    {
                        "field": "priority.name",
                        "condition": "is",
                        "value": "High",
                        "logical_operator": "AND",
                    }
                ],
            },
            ["Gamma MSSQL migration"],
        ),
        (
            {"field": "created_time", "condition": "greater than", "value": "0"},
            [
                "Alpha mssql patch",
                "Beta exchange upgrade",
                "Delta payroll hotfix",
                "Epsilon 100% rollout_plan",
                "Gamma MSSQL migration",
            ],
        ),
    ],
)
def test_search_criteria(seeded: Desk, criteria: Any, expected: list[str]) -> None:
    body = listing(seeded, search_criteria=criteria, row_count=100)
    assert sorted(titles(body)) == expected
    assert body["list_info"]["search_criteria"] == criteria


def test_search_on_role_holders(desk: Desk) -> None:
    seeded = desk
    seeded.create_release(title="Not engineered")
    seeded.create_release(
        title="Engineered",
        roles=[{"role": {"name": "Release Engineer"}, "user": {"name": seeded.technician.name}}],
    )
    body = listing(
        seeded,
        search_criteria={
            "field": "release_engineer.name",
            "condition": "is",
            "value": seeded.technician.name,
        },
    )
    assert titles(body) == ["Engineered"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("all_releases", 5),
        ("open_releases", 4),
        ("closed_releases", 1),
    ],
)
def test_filter_by(seeded: Desk, name: str, expected: int) -> None:
    body = listing(seeded, filter_by={"name": name}, get_total_count=True)
    assert body["list_info"]["total_count"] == expected


def test_my_releases_are_those_i_hold_a_role_on(desk: Desk) -> None:
    seeded = desk
    seeded.create_release(title="Not engineered")
    seeded.create_release(
        title="Engineered",
        roles=[{"role": {"name": "Release Engineer"}, "user": {"name": seeded.technician.name}}],
    )
    body = listing(seeded, key=seeded.technician.key, filter_by={"name": "my_releases"})
    assert titles(body) == ["Engineered"]


def test_fields_required_inside_and_beside_list_info(seeded: Desk) -> None:
    default = set(listing(seeded, row_count=1)["releases"][0])
    assert {"id", "title", "priority", "stage"} <= default
    assert not {"description", "roles", "short_description", "workflow"} & default
    inside = listing(seeded, fields_required=["title", "description", "roles"])
    row = inside["releases"][0]
    assert set(row) - default == {"description", "roles"}
    beside = seeded.get(
        "/releases",
        input_data={"list_info": {"row_count": 1}, "fields_required": ["short_description"]},
    )
    assert beside.status_code == 200, beside.text
    assert set(beside.json()["releases"][0]) - default == {"short_description"}


@pytest.mark.parametrize(
    ("list_info", "field", "code"),
    [
        ({"search_criteria": {"field": "colour", "condition": "is", "value": "x"}}, "colour", 4001),
        (
            {"search_criteria": {"field": "title", "condition": "resembles", "value": "x"}},
            "search_criteria.condition",
            4001,
        ),
        (
            {"search_criteria": {"field": "title", "condition": "greater than", "value": "x"}},
            "title",
            4001,
        ),
        (
            {"search_criteria": {"field": "created_time", "condition": "gt", "value": "soon"}},
            "created_time",
            4021,
        ),
        (
            {
                "search_criteria": {
                    "field": "title",
                    "condition": "is",
                    "value": "x",
                    "logical_operator": "XOR",
                }
            },
            "search_criteria.logical_operator",
            4001,
        ),
        ({"search_fields": {"colour": "red"}}, "colour", 4001),
        ({"search_fields": "{broken"}, "list_info.search_fields", 4001),
        ({"sort_field": "colour"}, "colour", 4001),
        ({"sort_field": "title", "sort_order": "sideways"}, "list_info.sort_order", 4001),
        ({"row_count": "ten"}, "list_info.row_count", 4021),
        ({"row_count": 0}, "list_info.row_count", 4001),
        ({"fields_required": ["colour"]}, "colour", 4001),
        ({"filter_by": {"name": "everything_ever"}}, "filter_by", 4001),
        ({"rows": 5}, "list_info.rows", 4001),
    ],
)
def test_bad_list_info_is_a_400_naming_the_field(
    desk: Desk, list_info: dict[str, Any], field: str, code: int
) -> None:
    response = desk.get("/releases", input_data={"list_info": list_info})
    assert response.status_code == 400, response.text
    status = response.json()["response_status"]
    assert isinstance(status, list)
    message = status[0]["messages"][0]
    assert (message["field"], message["status_code"]) == (field, code)


def test_title_search_follows_renames_and_deletes(desk: Desk) -> None:
    """On SQLite the title index is a separate FTS table kept in step by triggers."""
    created = desk.create_release(title="Quasar firmware rollout")

    def found(word: str) -> list[str]:
        return titles(
            listing(
                desk, search_criteria={"field": "title", "condition": "contains", "value": word}
            )
        )

    assert found("quasar") == ["Quasar firmware rollout"]
    renamed = desk.put(
        f"/releases/{created['id']}", input_data={"release": {"title": "Pulsar update"}}
    )
    assert renamed.status_code == 200, renamed.text
    assert found("quasar") == []
    assert found("PULSAR") == ["Pulsar update"]
    assert titles(
        listing(
            desk, search_criteria={"field": "title", "condition": "starts with", "value": "puls"}
        )
    ) == ["Pulsar update"]
    assert desk.request("DELETE", f"/releases/{created['id']}/move_to_trash").status_code == 200
    assert desk.request("DELETE", f"/releases/{created['id']}").status_code == 200
    # Lists leave deleted releases out anyway; what shows a stale index entry is the next
    # release, which on SQLite may take the deleted one's id.
    desk.create_release(title="Nebula survey")
    assert found("pulsar") == []
    assert found("update") == []
    assert found("nebula") == ["Nebula survey"]
