"""SDP's text conditions fold the value in the database as they fold the column, so a
non-ASCII text always matches itself (SQLite's lower() folds ASCII only: a value lowered in
Python would miss 'Été' there)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Desk


def titles(desk: Desk, field: str, condition: str, value: str) -> list[str]:
    criteria = {"field": field, "condition": condition, "value": value}
    response = desk.get(
        "/releases", input_data={"list_info": {"search_criteria": criteria, "row_count": 100}}
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["releases"]
    return sorted(r["title"] for r in rows)


@pytest.mark.parametrize(
    ("field", "condition", "value", "expected"),
    [
        ("title", "is", "Été release", ["Été release"]),
        ("title", "is", "Été RELEASE", ["Été release"]),
        ("title", "is not", "Été release", ["Plain"]),
        ("description", "contains", "Ça va", ["Été release"]),
        ("description", "not contains", "Ça va", ["Plain"]),
        ("short_description", "starts with", "Ça", ["Été release"]),
        ("short_description", "ends with", "Ça va", ["Été release"]),
    ],
)
def test_non_ascii_text_matches_itself(
    desk: Desk, field: str, condition: str, value: str, expected: list[str]
) -> None:
    desk.create_release(title="Été release", description="<p>Ça va</p>")
    desk.create_release(title="Plain", description="<p>plain</p>")
    assert titles(desk, field, condition, value) == expected
