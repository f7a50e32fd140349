"""Lifecycle models and teams: the built-in ones in every portal, and new ones."""

from __future__ import annotations

import uuid

import pytest

from releasedesk.db.models import LifecycleModel, PhaseModel, Team
from tests.api.ucr.support import DEFAULT_LIFECYCLE, DEFAULT_PHASE_IDS, SAMPLE_TEAM, Ucr
from tests.helpers import Desk

DESCRIPTIONS = [
    "Development Environment",
    "Certification Environment",
    "Quality Assurance",
    "Performance Test / Pre-Production",
    "Production",
]


@pytest.fixture
def ucr(desk: Desk) -> Ucr:
    return Ucr(desk)


def test_every_portal_has_the_default_lifecycle(ucr: Ucr, default_desk: Desk) -> None:
    for client in (ucr, Ucr(default_desk, at_root=True)):
        model = client.get(f"/lifecycleModels/{DEFAULT_LIFECYCLE}").json()
        assert (model["name"], model["description"]) == ("Default Lifecycle", "Default Lifecycle.")
        assert (model["version"], model["dateCreated"], model["ghostedDate"]) == (0, 0, 0)
        assert [p["id"] for p in model["phases"]] == DEFAULT_PHASE_IDS
        assert [p["indexOrder"] for p in model["phases"]] == [0, 1, 2, 3, 4]
        assert [p["name"] for p in model["phases"]] == ["DEV", "CERT", "QA", "PT", "PROD"]
        assert [p["description"] for p in model["phases"]] == DESCRIPTIONS
        listed = client.get("/lifecycleModels/").json()
        assert DEFAULT_LIFECYCLE in [m["id"] for m in listed]


def test_a_new_lifecycle_model_and_a_release_made_from_it(ucr: Ucr) -> None:
    response = ucr.post(
        "/lifecycleModels/",
        {
            "name": "Two step",
            "description": "short",
            "phases": [{"name": "TEST"}, {"name": "LIVE"}],
        },
    )
    assert response.status_code == 201, response.text
    model = response.json()
    assert response.headers["location"].endswith(f"/lifecycleModels/{model['id']}")
    assert [(p["name"], p["indexOrder"]) for p in model["phases"]] == [("TEST", 0), ("LIVE", 1)]
    assert ucr.get(f"/lifecycleModels/{model['id']}").json() == model
    release = ucr.create(name="Two steps", lifecycleModel={"id": model["id"]})
    assert [p["phaseModel"]["id"] for p in release["phases"]] == [p["id"] for p in model["phases"]]
    assert release["lifecycleModel"]["name"] == "Two step"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "Default lifecycle"}, 400, "name"),
        ({"description": "no name"}, 400, "name"),
        ({"name": "x", "phases": [{"name": "A"}, {"name": "a"}]}, 400, "phases[1].name"),
        ({"name": "x", "phases": [{"name": ""}]}, 400, "phases[0].name"),
        ({"name": "x", "phases": "DEV"}, 400, "phases"),
        ({"name": "x", "owner": "me"}, 400, "owner"),
        ({"name": "x", "phases": [{"name": "A", "colour": "red"}]}, 400, "phases[0].colour"),
    ],
)
def test_bad_lifecycle_models_are_refused(
    ucr: Ucr, body: dict[str, object], status: int, field: str
) -> None:
    before = ucr.desk.count(LifecycleModel), ucr.desk.count(PhaseModel)
    response = ucr.post("/lifecycleModels/", body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert (ucr.desk.count(LifecycleModel), ucr.desk.count(PhaseModel)) == before


def test_teams(ucr: Ucr) -> None:
    sample = ucr.get(f"/teams/{SAMPLE_TEAM}").json()
    assert sample["name"] == "Team for Sample Release"
    response = ucr.post("/teams/", {"name": "Payments", "description": "pay"})
    assert response.status_code == 201, response.text
    team = response.json()
    assert response.headers["location"].endswith(f"/teams/{team['id']}")
    assert [t["name"] for t in ucr.get("/teams/").json()] == ["Payments", "Team for Sample Release"]
    duplicate = ucr.post("/teams/", {"name": "payments"})
    assert duplicate.status_code == 400
    assert duplicate.json()["field"] == "name"
    assert ucr.post("/teams/", {"title": "x"}).status_code == 400
    assert ucr.desk.count(Team) == 2
    release = ucr.create(name="For payments", team={"id": team["id"]})
    assert release["team"] == {"id": team["id"], "name": "Payments"}
    assert release["baseApplication"]["teams"] == [{"id": team["id"], "name": "Payments"}]


def test_unknown_models_and_teams_are_404s(ucr: Ucr) -> None:
    for path in (f"/lifecycleModels/{uuid.uuid4()}", f"/teams/{uuid.uuid4()}", "/teams/x"):
        response = ucr.get(path)
        assert response.status_code == 404
        assert "error" in response.json()


def test_only_admins_add_models_and_teams(ucr: Ucr) -> None:
    for key in (ucr.desk.technician.key, ucr.desk.requester.key):
        assert ucr.post("/teams/", {"name": "Mine"}, key=key).status_code == 403
        model = {"name": "Mine", "phases": []}
        assert ucr.post("/lifecycleModels/", model, key=key).status_code == 403
        assert ucr.get("/teams/", key=key).status_code == 200
    assert ucr.desk.count(Team) == 1


@pytest.mark.parametrize(
    ("path", "extra"), [("/teams/", {}), ("/lifecycleModels/", {"phases": []})]
)
def test_non_ascii_names_are_unique_as_the_index_folds_them(
    ucr: Ucr, backend_name: str, path: str, extra: dict[str, object]
) -> None:
    """The check folds names in the database, as the unique index on lower(name) does: the
    same name again is a 400 (not the index's failure), so is one differing in ASCII case;
    one differing only in a non-ASCII letter's case is taken on SQLite (its lower() folds
    ASCII only) and refused on PostgreSQL."""
    made = ucr.post(path, {"name": "Équipe Été", **extra})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Équipe Été"
    for same in ("Équipe Été", "ÉQUIPE ÉTé"):
        again = ucr.post(path, {"name": same, **extra})
        assert again.status_code == 400, again.text
        assert again.json()["field"] == "name"
        assert again.json()["error"].endswith(f"named '{same}' exists"), again.text
    other_case = ucr.post(path, {"name": "équipe été", **extra})
    assert other_case.status_code == (201 if backend_name == "sqlite" else 400), other_case.text
    listed = [m["name"] for m in ucr.get(path).json()]
    assert "Équipe Été" in listed
    found = ucr.get(f"{path}{made.json()['id']}").json()
    assert found["name"] == "Équipe Été"
