"""Every way SDP clients send a key, and the 401 for everything else."""

from __future__ import annotations

import base64

import pytest

from tests.helpers import Desk


def _basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        ("authtoken", "{key}"),
        ("AUTHTOKEN", "{key}"),
        ("Authorization", "authtoken: {key}"),
        ("Authorization", "Zoho-oauthtoken {key}"),
        ("Authorization", "Bearer {key}"),
        ("TECHNICIAN_KEY", "{key}"),
    ],
)
def test_each_key_form_is_accepted(desk: Desk, header: tuple[str, str]) -> None:
    name, value = header
    response = desk.get("/releases", key="", headers={name: value.format(key=desk.admin.key)})
    assert response.status_code == 200, response.text
    assert response.json()["response_status"][0]["status_code"] == 2000


def test_http_basic_with_user_and_password(desk: Desk) -> None:
    created = desk.create_release(title="Seen with a password")
    response = desk.get(
        "/releases", key="", headers={"Authorization": _basic(desk.admin.name, "admin-pass")}
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["releases"]] == [created["id"]]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authtoken": "rdk_not-a-real-key"},
        {"Authorization": "Bearer "},
        {"Authorization": "Digest abc"},
        {"Authorization": "Basic !!!not-base64"},
    ],
)
def test_missing_or_bad_credentials_get_401_in_sdp_format(
    desk: Desk, headers: dict[str, str]
) -> None:
    response = desk.get("/releases/1", key="", headers=headers)
    assert response.status_code == 401
    status = response.json()["response_status"]
    assert status["status_code"] == 4000
    assert status["messages"][0]["status_code"] == 4022


def test_wrong_password_gets_401(desk: Desk) -> None:
    response = desk.get(
        "/releases", key="", headers={"Authorization": _basic(desk.admin.name, "wrong")}
    )
    assert response.status_code == 401


def test_a_key_on_another_portals_path_gets_401_and_no_data(desk: Desk, client: object) -> None:
    from tests.helpers import make_desk

    other = make_desk(desk.client)
    secret = other.create_release(title="Other portal's secret release")
    response = desk.get(f"{other.base}/releases/{secret['id']}", key=desk.admin.key)
    assert response.status_code == 401
    assert "secret" not in response.text
    listing = desk.get(f"{other.base}/releases", key=desk.admin.key)
    assert listing.status_code == 401
    assert "secret" not in listing.text


def test_unknown_portal_gets_401(desk: Desk) -> None:
    response = desk.get("/app/no-such-portal/api/v3/releases", key=desk.admin.key)
    assert response.status_code == 401


def test_default_portal_is_served_at_both_paths(default_desk: Desk) -> None:
    created = default_desk.post("/api/v3/releases", input_data={"release": {"title": "Both"}})
    assert created.status_code == 201, created.text
    release_id = created.json()["release"]["id"]
    bare = default_desk.get(f"/api/v3/releases/{release_id}")
    prefixed = default_desk.get(f"/app/itdesk/api/v3/releases/{release_id}")
    assert bare.status_code == prefixed.status_code == 200
    assert bare.json()["release"] == prefixed.json()["release"]


def test_releases_of_one_portal_never_show_in_another(desk: Desk) -> None:
    from tests.helpers import make_desk

    other = make_desk(desk.client)
    theirs = other.create_release(title="Only in the other portal")
    mine = desk.get("/releases", input_data={"list_info": {"get_total_count": True}}).json()
    assert mine["list_info"]["total_count"] == 0 and mine["releases"] == []
    # The other portal's release, by its id through this portal's path, is not there.
    found = desk.get(f"/releases/{theirs['id']}")
    assert found.status_code == 404
    assert "Only in the other portal" not in found.text
    edit = desk.put(f"/releases/{theirs['id']}", input_data={"release": {"title": "Mine now"}})
    assert edit.status_code == 404
    assert other.get(f"/releases/{theirs['id']}").json()["release"]["title"] == (
        "Only in the other portal"
    )
