"""GET, PUT and DELETE of releases: formats, filters, milestones, the version lock, ghosting."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from releasedesk.db.models import Release, ReleaseMilestone
from tests.api.ucr.support import SAMPLE_TEAM, Ucr
from tests.helpers import Desk


@pytest.fixture
def ucr(desk: Desk) -> Ucr:
    return Ucr(desk)


def test_get_one_in_each_format(ucr: Ucr) -> None:
    made = ucr.create(name="Read me", description="Two\nlines & <b>")
    path = f"/releases/{made['id']}"
    detail = ucr.get(path).json()
    assert detail == made
    assert detail["description"] == "Two\nlines & <b>"
    assert "phases" not in ucr.get(path, params={"format": "list"}).json()
    assert ucr.get(path, params={"format": "name"}).json() == {
        "id": made["id"],
        "name": "Read me",
    }
    assert ucr.get(f"{path}/").status_code == 200


def test_unknown_or_malformed_ids_are_404s(ucr: Ucr) -> None:
    for path in (f"/releases/{uuid.uuid4()}", "/releases/12", "/releases/not-a-uuid"):
        response = ucr.get(path)
        assert response.status_code == 404, path
        assert "error" in response.json()


def test_a_release_of_another_portal_is_not_found(ucr: Ucr, client: object) -> None:
    from tests.helpers import make_desk

    other = Ucr(make_desk(ucr.desk.client))
    made = other.create(name="Elsewhere")
    assert ucr.get(f"/releases/{made['id']}").status_code == 404


def test_list_filters_by_name_with_wildcards_and_by_ghosted(ucr: Ucr) -> None:
    for name in ("Alpha 1", "Alpha 2", "Beta 1", "100% done_"):
        ucr.create(name=name)
    names = lambda **params: [r["name"] for r in ucr.get("/releases/", params=params).json()]  # noqa: E731
    assert names() == ["100% done_", "Alpha 1", "Alpha 2", "Beta 1"]
    assert names(name="Alpha*") == ["Alpha 1", "Alpha 2"]
    assert names(name="*1") == ["Alpha 1", "Beta 1"]
    assert names(name="a*a*") == ["Alpha 1", "Alpha 2"]
    assert names(name="alpha 1") == ["Alpha 1"]
    assert names(name="100%*") == ["100% done_"]
    assert names(name="1_0*") == []
    beta = ucr.get("/releases/", params={"name": "Beta 1"}).json()[0]
    assert ucr.delete(f"/releases/{beta['id']}").status_code == 204
    assert names(name="Beta*") == []
    ghosted = ucr.get("/releases/", params={"ghosted": "true"}).json()
    assert [r["name"] for r in ghosted] == ["Beta 1"]
    assert ghosted[0]["ghostedDate"] > 0
    assert ucr.get("/releases/", params={"ghosted": "maybe"}).status_code == 400


def test_list_filters_non_ascii_names_folded_the_same_way_on_both_sides(ucr: Ucr) -> None:
    """The database lowers the pattern as it lowers the names: an exact non-ASCII name
    always finds itself (SQLite's lower() folds ASCII only, so on SQLite 'été' does not
    find 'Été'; the ASCII letters around it still match in any case)."""
    for name in ("Été release", "Ünïcode 2", "Plain"):
        ucr.create(name=name)
    names = lambda **params: [r["name"] for r in ucr.get("/releases/", params=params).json()]  # noqa: E731
    assert names(name="Été release") == ["Été release"]
    assert names(name="Été*") == ["Été release"]
    assert names(name="Été RELEASE") == ["Été release"]
    assert names(name="*ïcode*") == ["Ünïcode 2"]
    assert names(name="Ünïcode 2") == ["Ünïcode 2"]


def test_list_formats_and_pages(ucr: Ucr) -> None:
    for n in range(5):
        ucr.create(name=f"Paged {n}")
    listed = ucr.get("/releases/", params={"format": "list"}).json()
    assert all("phases" not in r for r in listed)
    assert set(ucr.get("/releases/", params={"format": "name"}).json()[0]) == {"id", "name"}
    page = ucr.get("/releases/", params={"rowsPerPage": "2", "pageNumber": "2", "format": "name"})
    assert [r["name"] for r in page.json()] == ["Paged 2", "Paged 3"]
    assert ucr.get("/releases/", params={"rowsPerPage": "0"}).status_code == 400
    assert ucr.get("/releases/", params={"pageNumber": "x"}).status_code == 400


def test_put_changes_the_fields_given_and_bumps_the_version(ucr: Ucr) -> None:
    made = ucr.create(name="Before", description="kept")
    response = ucr.put(f"/releases/{made['id']}", {"name": "After", "version": 1})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["description"], changed["version"]) == ("After", "kept", 2)
    again = ucr.put(f"/releases/{made['id']}", {"team": {"id": SAMPLE_TEAM}}).json()
    assert again["version"] == 3
    assert again["team"]["id"] == SAMPLE_TEAM
    cleared = ucr.put(f"/releases/{made['id']}", {"team": None}).json()
    assert cleared["team"] is None


def test_a_put_with_an_older_version_is_a_409_and_changes_nothing(ucr: Ucr) -> None:
    made = ucr.create(name="Locked")
    assert ucr.put(f"/releases/{made['id']}", {"name": "First", "version": 1}).status_code == 200
    stale = ucr.put(
        f"/releases/{made['id']}",
        {"name": "Second", "version": 1, "milestones": [{"name": "GA", "date": 0}]},
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["field"] == "version"
    now = ucr.get(f"/releases/{made['id']}").json()
    assert (now["name"], now["version"], now["milestones"]) == ("First", 2, [])
    assert ucr.desk.count(ReleaseMilestone) == 0


def test_a_get_answer_can_be_put_back(ucr: Ucr) -> None:
    made = ucr.create(name="Round trip")
    made["name"] = "Round trip 2"
    response = ucr.put(f"/releases/{made['id']}", made)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Round trip 2"
    assert response.json()["phases"] == [{**phase, "hasEdit": True} for phase in made["phases"]]


def test_milestones_are_added_changed_and_removed_with_put(ucr: Ucr) -> None:
    made = ucr.create(name="Milestones")
    path = f"/releases/{made['id']}"
    added = ucr.put(
        path,
        {
            "milestones": [
                {"name": "Code freeze", "date": 1700000000000},
                {"name": "GA", "date": 1800000000000},
            ]
        },
    ).json()
    assert [(m["name"], m["date"]) for m in added["milestones"]] == [
        ("Code freeze", 1700000000000),
        ("GA", 1800000000000),
    ]
    freeze, ga = added["milestones"]
    kept = ucr.put(
        path,
        {
            "milestones": [
                {**ga, "name": "General availability"},
                {"name": "Beta", "date": 1750000000000},
            ]
        },
    ).json()
    assert [(m["id"] == ga["id"], m["name"]) for m in kept["milestones"]] == [
        (False, "Beta"),
        (True, "General availability"),
    ]
    assert kept["version"] == added["version"] + 1
    unknown = ucr.put(path, {"milestones": [{"id": freeze["id"], "name": "x", "date": 0}]})
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "milestones[0].id"
    for bad, field in (
        ({"milestones": [{"name": "", "date": 0}]}, "milestones[0].name"),
        ({"milestones": [{"name": "x"}]}, "milestones[0].date"),
        ({"milestones": "soon"}, "milestones"),
        ({"milestones": [{"name": "x", "date": 0, "colour": "red"}]}, "milestones[0].colour"),
    ):
        response = ucr.put(path, bad)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": None}, 400, "name"),
        ({"name": ""}, 400, "name"),
        ({"name": ["x"]}, 400, "name"),
        ({"nickname": "x"}, 400, "nickname"),
        ({"version": "one"}, 400, "version"),
        ({"team": {"id": str(uuid.uuid4())}}, 400, "team"),
        ({"team": "sample"}, 400, "team"),
        ({"lifecycleModel": {"id": str(uuid.uuid4())}}, 400, "lifecycleModel"),
        ({"lifecycleModel": None}, 400, "lifecycleModel"),
    ],
)
def test_put_refuses_bad_input_naming_the_field(
    ucr: Ucr, body: dict[str, object], status: int, field: str
) -> None:
    made = ucr.create(name="Target")
    response = ucr.put(f"/releases/{made['id']}", body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert ucr.get(f"/releases/{made['id']}").json()["version"] == 1


def test_a_lifecycle_model_stays_once_given(ucr: Ucr) -> None:
    made = ucr.create(name="Kept model")
    model = ucr.post("/lifecycleModels/", {"name": "Other", "phases": [{"name": "ONLY"}]}).json()
    same = ucr.put(f"/releases/{made['id']}", {"lifecycleModel": made["lifecycleModel"]})
    assert same.status_code == 200
    other = ucr.put(f"/releases/{made['id']}", {"lifecycleModel": {"id": model["id"]}})
    assert other.status_code == 400
    assert other.json()["field"] == "lifecycleModel"


def test_delete_ghosts_the_release(ucr: Ucr) -> None:
    made = ucr.create(name="Doomed")
    path = f"/releases/{made['id']}"
    assert ucr.delete(path).status_code == 204
    ghost = ucr.get(path).json()
    assert ghost["ghostedDate"] > 0
    assert ghost["version"] == 2
    assert ghost["hasEdit"] is False
    assert ucr.delete(path).status_code == 400
    assert ucr.put(path, {"name": "Back?"}).status_code == 400
    assert ucr.desk.count(Release) == 1
    assert ucr.delete(f"/releases/{uuid.uuid4()}").status_code == 404


def test_lists_load_only_what_the_format_shows(ucr: Ucr, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list reads the release rows with their roles only (for `hasEdit`), and the plans
    only for a format that shows them (not `name`)."""
    from releasedesk.core.plans import service
    from releasedesk.core.releases.parts import EVERYTHING, Part

    for n in range(3):
        ucr.create(name=f"Loaded {n}", team={"id": SAMPLE_TEAM})
    parts_asked: list[frozenset[Part]] = []
    plans_read: list[int] = []
    real_list, real_plans = service.releases.list_releases, service.repository.plans_of

    async def listing(*args: Any, **kwargs: Any) -> Any:
        parts_asked.append(args[4] if len(args) > 4 else kwargs.get("parts", EVERYTHING))
        return await real_list(*args, **kwargs)

    async def plans_of(session: Any, ids: Any) -> Any:
        plans_read.append(len(ids))
        return await real_plans(session, ids)

    monkeypatch.setattr(service.releases, "list_releases", listing)
    monkeypatch.setattr(service.repository, "plans_of", plans_of)
    named = ucr.get("/releases/", params={"format": "name"}).json()
    assert [r["name"] for r in named] == ["Loaded 0", "Loaded 1", "Loaded 2"]
    assert plans_read == []
    detail = ucr.get("/releases/").json()
    assert [r["team"]["id"] for r in detail] == [SAMPLE_TEAM] * 3
    assert all(r["hasEdit"] for r in detail)
    assert plans_read == [3]
    assert parts_asked == [frozenset({Part.ROLES})] * 2
