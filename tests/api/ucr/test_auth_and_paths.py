"""Who may call UCR, and where it answers: Basic, keys, portals, and paths left to others."""

from __future__ import annotations

import pytest

from releasedesk.api.ucr.auth import KEY_REFUSED
from releasedesk.db.models import Release
from tests.api.ucr.support import Ucr, basic, golden_text
from tests.helpers import Desk


@pytest.fixture
def ucr(desk: Desk) -> Ucr:
    return Ucr(desk)


def test_basic_auth_with_a_password(ucr: Ucr) -> None:
    admin = ucr.desk.admin.name
    assert ucr.get("/releases/", auth=basic(admin, "admin-pass")).status_code == 200
    made = ucr.post("/releases/", {"name": "By password"}, auth=basic(admin, "admin-pass"))
    assert made.status_code == 201
    wrong = ucr.get("/releases/", auth=basic(admin, "wrong"))
    assert wrong.status_code == 401
    assert "error" in wrong.json()
    assert wrong.headers["www-authenticate"].startswith("Basic")


def test_keys_as_token_or_bearer(ucr: Ucr) -> None:
    key = ucr.desk.technician.key
    assert ucr.get("/releases/", key=key).status_code == 200
    assert ucr.get("/releases/", auth=f"Bearer {key}").status_code == 200
    assert ucr.get("/releases/", auth="Bearer nope").status_code == 401
    assert ucr.get("/releases/", auth=basic("PasswordIsAuthToken", "nope")).status_code == 401


def test_no_credentials_is_a_401_and_creates_nothing(ucr: Ucr) -> None:
    assert ucr.get("/releases/", auth="").status_code == 401
    response = ucr.post("/releases/", content=golden_text("create_release_request.json"), auth="")
    assert response.status_code == 401
    assert ucr.desk.count(Release) == 0


def test_a_key_works_only_on_its_own_portal(ucr: Ucr, default_desk: Desk) -> None:
    at_root = Ucr(default_desk, at_root=True)
    assert at_root.get("/releases/", key=ucr.desk.admin.key).status_code == 401
    assert ucr.get("/releases/", key=default_desk.admin.key).status_code == 401


def test_requesters_see_only_their_own_and_cannot_ghost(ucr: Ucr) -> None:
    staff = ucr.create(name="Staff's")
    own = ucr.create(key=ucr.desk.requester.key, name="Rita's")
    listed = ucr.get("/releases/", key=ucr.desk.requester.key).json()
    assert [r["name"] for r in listed] == ["Rita's"]
    assert ucr.get(f"/releases/{staff['id']}", key=ucr.desk.requester.key).status_code == 403
    other = ucr.put(f"/releases/{staff['id']}", {"name": "x"}, key=ucr.desk.other_requester.key)
    assert other.status_code == 403
    assert ucr.delete(f"/releases/{own['id']}", key=ucr.desk.requester.key).status_code == 403


def test_the_root_mount_leaves_sdp_and_the_approval_page_alone(default_desk: Desk) -> None:
    sdp = default_desk.client.get("/api/v3/releases", headers={"authtoken": default_desk.admin.key})
    assert sdp.status_code == 200
    assert "response_status" in sdp.json()
    portal = default_desk.client.get("/app/itdesk/api/v3/releases", headers={"authtoken": "x"})
    assert portal.status_code == 401
    assert "response_status" in portal.json()
    approval = default_desk.client.get("/approval/1.bad")
    assert approval.status_code == 404
    assert "text/html" in approval.headers["content-type"]
    unknown = default_desk.client.get("/nothing/here")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "Not Found"}


def test_wrong_methods_are_405_in_ucr_shape(ucr: Ucr) -> None:
    response = ucr.request("PATCH", "/releases/")
    assert response.status_code == 405
    assert "error" in response.json()


def test_a_refused_key_is_told_in_ucr_words(ucr: Ucr, default_desk: Desk) -> None:
    """Not SDP's 'authtoken' wording: UCR clients send keys, as PasswordIsAuthToken or
    Bearer; a key of another portal is refused the same way."""
    for auth in ("Bearer nope", basic("PasswordIsAuthToken", "nope")):
        refused = ucr.get("/releases/", auth=auth)
        assert refused.status_code == 401
        assert refused.json() == {"error": KEY_REFUSED}
        assert "authtoken" not in refused.text.lower().replace("passwordisauthtoken", "")
    elsewhere = ucr.get("/releases/", key=default_desk.admin.key)
    assert elsewhere.status_code == 401
    assert elsewhere.json()["error"] == KEY_REFUSED
    wrong_password = ucr.get("/releases/", auth=basic(ucr.desk.admin.name, "wrong"))
    assert wrong_password.json()["error"] == "Invalid user name or password"
