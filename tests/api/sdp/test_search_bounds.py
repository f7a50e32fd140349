"""A search is bounded before it is compiled (core/limits.py): past a limit it is a 400
naming list_info.search_criteria and the limit, never a RecursionError 500 (issue #19: a
flat array of 330 criteria did that, on SQLite and PostgreSQL alike); within the limits the
deepest tree they allow still answers."""

from __future__ import annotations

from typing import Any

import pytest

from releasedesk.core.limits import (
    MAX_FIELDS_REQUIRED,
    MAX_FILTER_DEPTH,
    MAX_SEARCH_CRITERIA,
    MAX_SEARCH_DEPTH,
    MAX_SEARCH_VALUES,
)
from tests.api.sdp.support import error_of
from tests.helpers import Desk


def _criterion(i: int, operator: str = "OR") -> dict[str, Any]:
    return {
        "field": "title",
        "condition": "contains",
        "value": f"w{i}",
        "logical_operator": operator,
    }


def _list(desk: Desk, list_info: dict[str, Any]) -> Any:
    return desk.get("/releases", input_data={"list_info": list_info}, as_="form")


@pytest.mark.parametrize("count", [MAX_SEARCH_CRITERIA + 1, 330, 2000])
def test_more_criteria_than_the_limit_are_a_400_naming_it(desk: Desk, count: int) -> None:
    response = _list(desk, {"search_criteria": [_criterion(i) for i in range(count)]})
    assert response.status_code == 400, response.text[:300]
    error = error_of(response)
    assert error["field"] == "list_info.search_criteria"
    assert str(MAX_SEARCH_CRITERIA) in error["message"]


def test_as_many_criteria_as_the_limit_answer(desk: Desk) -> None:
    wanted = desk.create_release(title="w7 release")["id"]
    criteria = [_criterion(i) for i in range(MAX_SEARCH_CRITERIA)]
    response = _list(desk, {"search_criteria": criteria})
    assert response.status_code == 200, response.text[:300]
    assert [r["id"] for r in response.json()["releases"]] == [wanted]


def test_children_nested_past_the_limit_are_a_400_naming_it(desk: Desk) -> None:
    node: dict[str, Any] = _criterion(0, "AND")
    for i in range(MAX_SEARCH_DEPTH + 1):
        node = {**_criterion(i + 1, "AND"), "children": [node]}
    response = _list(desk, {"search_criteria": node})
    assert response.status_code == 400, response.text[:300]
    error = error_of(response)
    assert error["field"] == "list_info.search_criteria.children"
    assert str(MAX_SEARCH_DEPTH) in error["message"]


def test_the_deepest_search_the_limits_allow_answers(desk: Desk) -> None:
    """Criteria alternating AND and OR nest one group each: the core's MAX_FILTER_DEPTH of
    them compile (SQLAlchemy recurses about 7 frames a level), one more is a 400."""
    wanted = desk.create_release(title=f"w{MAX_FILTER_DEPTH}z")["id"]

    def alternating(count: int) -> list[dict[str, Any]]:
        return [_criterion(i, "AND" if i % 2 else "OR") for i in range(count)]

    # ((((w0 AND w1) OR w2) AND w3) ... OR w50: the last, an OR, is the title's.
    deepest = alternating(MAX_FILTER_DEPTH + 1)
    assert deepest[-1]["logical_operator"] == "OR"
    response = _list(desk, {"search_criteria": deepest})
    assert response.status_code == 200, response.text[:300]
    assert [r["id"] for r in response.json()["releases"]] == [wanted]

    too_deep = alternating(MAX_FILTER_DEPTH + 2)
    response = _list(desk, {"search_criteria": too_deep})
    assert response.status_code == 400, response.text[:300]
    assert error_of(response)["field"] == "list_info.search_criteria"


def test_more_values_than_the_limit_are_a_400(desk: Desk) -> None:
    """40,000 ids in one `is` answered 200 on SQLite and failed PostgreSQL's 32,767 bound
    parameters; past MAX_SEARCH_VALUES it is a 400 on both."""
    criterion = {"field": "id", "condition": "is", "values": list(range(1, MAX_SEARCH_VALUES + 2))}
    response = _list(desk, {"search_criteria": criterion})
    assert response.status_code == 400, response.text[:300]
    assert error_of(response)["field"] == "list_info.search_criteria.values"


def test_more_fields_required_than_the_limit_are_a_400(desk: Desk) -> None:
    response = _list(desk, {"fields_required": ["title"] * (MAX_FIELDS_REQUIRED + 1)})
    assert response.status_code == 400, response.text[:300]
    assert error_of(response)["field"] == "fields_required"
