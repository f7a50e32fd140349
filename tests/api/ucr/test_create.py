"""POST /releases/: the spec's example verbatim, each format, one or many, all or nothing."""

from __future__ import annotations

import uuid

import pytest

from releasedesk.db.models import Release, ReleaseMilestone, ReleasePhase, ReleasePlan
from tests.api.ucr.support import (
    DEFAULT_LIFECYCLE,
    DEFAULT_PHASE_IDS,
    SAMPLE_TEAM,
    Ucr,
    golden,
    golden_text,
    shape_problems,
)
from tests.helpers import Desk


@pytest.fixture
def ucr(desk: Desk) -> Ucr:
    return Ucr(desk)


def test_the_spec_example_sent_verbatim_answers_the_spec_response(ucr: Ucr) -> None:
    response = ucr.post("/releases/", content=golden_text("create_release_request.json"))
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert shape_problems(golden("create_release_response.json"), body) == []
    uuid.UUID(body["id"])
    assert response.headers["location"] == (
        f"http://testserver/app/{ucr.desk.portal}/releases/{body['id']}"
    )
    # One deployment plan for the release, each phase its own id.
    plans = {p["deploymentPlan"]["id"] for p in body["phases"]}
    assert len(plans) == 1
    assert len({p["id"] for p in body["phases"]}) == 5
    assert body["baseApplication"]["dateCreated"] == body["dateCreated"]
    assert body["createdByUserId"] == body["baseApplication"]["createdByUserId"]


def test_the_sample_at_the_server_root_serves_the_default_portal(default_desk: Desk) -> None:
    ucr = Ucr(default_desk, at_root=True)
    response = ucr.post("/releases/", content=golden_text("create_release_request.json"))
    assert response.status_code == 201, response.text
    assert response.headers["location"].startswith("http://testserver/releases/")
    got = ucr.get(f"/releases/{response.json()['id']}")
    assert got.status_code == 200
    assert got.json()["name"] == "Example Release"


def test_formats(ucr: Ucr) -> None:
    detail = ucr.create(name="Formats", lifecycleModel={"id": DEFAULT_LIFECYCLE})
    listed = ucr.post("/releases/", {"name": "Listed"}, params={"format": "list"})
    named = ucr.post("/releases/", {"name": "Named"}, params={"format": "name"})
    unknown = ucr.post("/releases/", {"name": "Unknown"}, params={"format": "nonsense"})
    assert [p["phaseModel"]["id"] for p in detail["phases"]] == DEFAULT_PHASE_IDS
    assert listed.status_code == named.status_code == unknown.status_code == 201
    assert "phases" not in listed.json()
    assert set(listed.json()) == (set(detail) - {"phases"}) | {"totalChanges"}
    assert listed.json()["totalChanges"] == 0
    assert set(named.json()) == {"id", "name"}
    assert named.json()["name"] == "Named"
    assert set(unknown.json()) == set(detail)


def test_a_release_without_a_lifecycle_model_gets_the_default_one(ucr: Ucr) -> None:
    made = ucr.create(name="No model named")
    assert made["lifecycleModel"]["id"] == DEFAULT_LIFECYCLE
    assert [p["name"] for p in made["phases"]] == ["DEV", "CERT", "QA", "PT", "PROD"]
    assert made["team"] is None
    assert made["version"] == 1
    assert made["ghostedDate"] == 0


def test_an_array_creates_every_element_in_input_order(ucr: Ucr) -> None:
    names = [f"Bulk {n}" for n in range(5)]
    response = ucr.post(
        "/releases/",
        [{"name": n, "team": {"id": SAMPLE_TEAM}} for n in names],
        params={"format": "name"},
    )
    assert response.status_code == 201, response.text
    assert [r["name"] for r in response.json()] == names
    assert "location" not in response.headers
    for made in response.json():
        assert ucr.get(f"/releases/{made['id']}").json()["team"]["id"] == SAMPLE_TEAM


def test_an_empty_array_creates_nothing(ucr: Ucr) -> None:
    response = ucr.post("/releases/", [])
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"name": "x", "team": {"id": str(uuid.uuid4())}}, "team"),
        ({"name": "x", "lifecycleModel": {"id": str(uuid.uuid4())}}, "lifecycleModel"),
        ({"name": "x", "lifecycleModel": {"id": "not-a-uuid"}}, "lifecycleModel.id"),
        ({"description": "no name"}, "name"),
        ({"name": 12}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "x", "milestones": [{"name": "GA", "date": "soon"}]}, "milestones[0].date"),
    ],
)
def test_one_bad_element_refuses_the_whole_array_naming_index_and_field(
    ucr: Ucr, bad: dict[str, object], field: str
) -> None:
    before = ucr.desk.count(Release)
    response = ucr.post("/releases/", [{"name": "good one"}, {"name": "good two"}, bad])
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["index"] == 2
    assert body["field"] == field
    assert body["error"].startswith("Element 2: ")
    assert ucr.desk.count(Release) == before
    assert ucr.desk.count(ReleasePlan) == 0
    assert ucr.desk.count(ReleasePhase) == 0


def test_unknown_team_or_lifecycle_on_a_single_create_is_a_400(ucr: Ucr) -> None:
    for body, field in (
        ({"name": "x", "team": {"id": str(uuid.uuid4())}}, "team"),
        ({"name": "x", "lifecycleModel": {"id": str(uuid.uuid4())}}, "lifecycleModel"),
    ):
        response = ucr.post("/releases/", body)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field
        assert "index" not in response.json()
    assert ucr.desk.count(Release) == 0


def test_milestones_on_create(ucr: Ucr) -> None:
    made = ucr.create(name="With milestones", milestones=[{"name": "GA", "date": 1735689600000}])
    assert [(m["name"], m["date"]) for m in made["milestones"]] == [("GA", 1735689600000)]
    assert ucr.desk.count(ReleaseMilestone) == 1


@pytest.mark.parametrize(
    "body",
    ['{"name": "x",}', "{", "not json", '{"name": NaN}', "\xff"],
)
def test_a_body_that_is_not_json_is_a_400_with_the_position(ucr: Ucr, body: str) -> None:
    response = ucr.post("/releases/", content=body.encode("latin-1"))
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "body"
    if body in ('{"name": "x",}', "{", "not json"):
        assert "line 1, column" in response.json()["error"]


def test_wrong_shapes_are_400s(ucr: Ucr) -> None:
    for content, field in (("", "body"), ('"a string"', "body"), ("[1]", "body")):
        response = ucr.post("/releases/", content=content)
        assert response.status_code == 400, (content, response.text)
        assert response.json()["field"] == field


def test_a_create_takes_at_most_max_create_elements(ucr: Ucr) -> None:
    from releasedesk.api.ucr.translate import MAX_CREATE

    response = ucr.post("/releases/", [{"name": f"R{n}"} for n in range(MAX_CREATE + 1)])
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["field"] == "body"
    assert str(MAX_CREATE) in body["error"]
    assert "index" not in body
    assert ucr.desk.count(Release) == 0


def test_a_create_looks_up_each_model_and_team_once(
    ucr: Ucr, monkeypatch: pytest.MonkeyPatch
) -> None:
    from releasedesk.core.plans import service

    calls: list[object] = []
    real_model, real_team = service.lifecycle.resolve_model, service.teams.resolve_team

    async def model(*args: object) -> object:
        calls.append(("model", args[2]))
        return await real_model(*args)  # type: ignore[arg-type]

    async def team(*args: object) -> object:
        calls.append(("team", args[2]))
        return await real_team(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service.lifecycle, "resolve_model", model)
    monkeypatch.setattr(service.teams, "resolve_team", team)
    body = [{"name": f"R{n}", "team": {"id": SAMPLE_TEAM}} for n in range(4)] + [
        {"name": f"D{n}", "lifecycleModel": {"id": DEFAULT_LIFECYCLE}} for n in range(3)
    ]
    response = ucr.post("/releases/", body, params={"format": "name"})
    assert response.status_code == 201, response.text
    assert len(response.json()) == 7
    assert sorted(map(str, calls)) == sorted(
        map(
            str,
            [
                ("model", None),
                ("team", uuid.UUID(SAMPLE_TEAM)),
                ("model", uuid.UUID(DEFAULT_LIFECYCLE)),
            ],
        )
    )


def test_non_ascii_names_on_create_list_and_teams(ucr: Ucr) -> None:
    team = ucr.post("/teams/", {"name": "Équipe Ünïcode ✓", "description": "déjà vu"})
    assert team.status_code == 201, team.text
    team_ref = {"id": team.json()["id"], "name": "Équipe Ünïcode ✓"}
    one = ucr.post(
        "/releases/", {"name": "Été 2026 — ça va", "description": "Früh\nüber", "team": team_ref}
    )
    assert one.status_code == 201, one.text
    assert one.json()["name"] == "Été 2026 — ça va"
    assert one.json()["description"] == "Früh\nüber"
    assert one.json()["team"] == team_ref
    assert one.json()["baseApplication"]["name"] == "Été 2026 — ça va"
    many = ucr.post(
        "/releases/",
        [{"name": "日本語リリース", "team": team_ref}, {"name": "Ωmega"}],
        params={"format": "name"},
    )
    assert many.status_code == 201, many.text
    assert [r["name"] for r in many.json()] == ["日本語リリース", "Ωmega"]
    listed = ucr.get("/releases/", params={"format": "name"}).json()
    assert sorted(r["name"] for r in listed) == sorted(
        ["Été 2026 — ça va", "日本語リリース", "Ωmega"]
    )
    for name in ("Été 2026 — ça va", "日本語リリース", "Ωmega", "日本*", "*ça va"):
        found = ucr.get("/releases/", params={"name": name, "format": "name"}).json()
        assert len(found) == 1, (name, found)
    fetched = ucr.get(f"/releases/{one.json()['id']}").json()
    assert fetched["team"] == team_ref
    assert team_ref["name"] in [t["name"] for t in ucr.get("/teams/").json()]
    assert ucr.get(f"/teams/{team_ref['id']}").json()["name"] == "Équipe Ünïcode ✓"
