"""The web UI's front door and its release list, over HTTP: sign-in and sign-out, the session
cookie's flags, CSRF and cross-site refusals, and the list's search, filters and paging."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from releasedesk.core.users import service as users
from tests.helpers import Desk, make_desk
from tests.web.web_client import WebUser, csrf_of, give_password, signed_in


def test_the_root_sends_a_stranger_to_sign_in(desk: Desk) -> None:
    assert desk.client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    browser = WebUser(desk)
    home = browser.get("")
    assert home.status_code == 303
    assert home.headers["location"] == f"{browser.prefix}/sign-in"
    listed = browser.get("releases?q=x")
    assert listed.status_code == 303
    assert listed.headers["location"].endswith(
        "/sign-in?next=%2Fapp%2F" + desk.portal + "%2Fui%2Freleases%3Fq%3Dx"
    )


def test_sign_in_sets_a_fresh_http_only_session_and_sign_out_ends_it(desk: Desk) -> None:
    give_password(desk, desk.technician.name)
    browser = WebUser(desk)
    browser.get("sign-in")
    before = browser.client.cookies.get("releasedesk_csrf")
    response = browser.sign_in(desk.technician.name)
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("releasedesk_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert browser.client.cookies.get("releasedesk_csrf") != before  # rotated at sign-in
    stolen = browser.client.cookies.get("releasedesk_session")
    page = browser.get("releases")
    assert page.status_code == 200 and desk.technician.name in page.text

    out = browser.post("sign-out", {}, via="releases")
    assert out.status_code == 303
    replay = WebUser(desk)
    replay.client.cookies.set("releasedesk_session", stolen)
    assert replay.get("releases").status_code == 303  # the session is gone server-side


def test_a_wrong_password_is_one_alert_and_keeps_the_name_not_the_password(desk: Desk) -> None:
    give_password(desk, desk.technician.name)
    browser = WebUser(desk)
    response = browser.sign_in(desk.technician.name, "not-it")
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert "is not right" in response.text
    assert f'value="{desk.technician.name}"' in response.text
    assert "not-it" not in response.text
    assert "releasedesk_session" not in response.headers.get("set-cookie", "")


def test_sign_in_by_email_of_a_deactivated_user_is_refused_alike(desk: Desk) -> None:
    give_password(desk, desk.requester.name)

    async def deactivate() -> None:
        async with desk.database.unit_of_work() as session:
            await users.set_active(session, desk.portal_id, desk.requester.name, False)

    desk.client.portal.call(deactivate)
    assert WebUser(desk).sign_in(desk.requester.name).status_code == 401


def test_a_session_ends_when_the_user_is_deactivated(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    assert browser.get("releases").status_code == 200

    async def deactivate() -> None:
        async with desk.database.unit_of_work() as session:
            await users.set_active(session, desk.portal_id, desk.technician.name, False)

    desk.client.portal.call(deactivate)
    assert browser.get("releases").status_code == 303


def test_a_session_is_of_its_portal_only(desk: Desk, client: TestClient) -> None:
    browser = signed_in(desk, desk.admin.name, "admin-pass")
    other = make_desk(client)
    assert (
        browser.client.get(f"/app/{other.portal}/ui/releases", follow_redirects=False).status_code
        == 303
    )


def test_a_form_without_its_token_or_from_another_site_changes_nothing(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    before = desk.get("/releases").json()["list_info"]
    forged = browser.client.post(
        browser.url("releases"), data={"title": "Forged"}, follow_redirects=False
    )
    assert forged.status_code == 403
    token = csrf_of(browser.get("releases/new").text)
    cross = browser.client.post(
        browser.url("releases"),
        data={"title": "Cross-site", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    fetch_site = browser.client.post(
        browser.url("releases"),
        data={"title": "Cross-site", "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert fetch_site.status_code == 403
    assert desk.get("/releases").json()["list_info"] == before


def test_creating_a_release_lands_on_it_and_a_refusal_keeps_what_was_typed(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    empty = browser.post("releases", {"title": "", "description": "kept text"}, via="releases/new")
    assert empty.status_code == 422
    assert "<title>Error: " in empty.text and "There is a problem" in empty.text
    assert 'href="#title"' in empty.text and "kept text" in empty.text
    backwards = browser.post(
        "releases",
        {
            "title": "Backwards",
            "scheduled_start_time": "2027-01-02T10:00",
            "scheduled_end_time": "2027-01-01T10:00",
        },
        via="releases/new",
    )
    assert backwards.status_code == 422
    assert 'value="Backwards"' in backwards.text
    made = browser.post(
        "releases",
        {"title": "Payroll <b>hotfix</b>", "scheduled_start_time": "2027-01-02T10:00"},
        via="releases/new",
    )
    assert made.status_code == 303
    release_id = int(made.headers["location"].rsplit("/", 1)[1])
    release = desk.get(f"/releases/{release_id}").json()["release"]
    assert release["title"] == "Payroll <b>hotfix</b>"
    assert release["scheduled_start_time"]["value"] == "1798884000000"
    titles = [r["title"] for r in desk.get("/releases").json()["releases"]]
    assert "Backwards" not in titles


def test_the_list_searches_filters_sorts_and_pages_in_the_database(desk: Desk) -> None:
    for number in range(23):
        desk.create_release(
            title=f"Listed {number:02d}", priority={"name": "High" if number % 2 else "Low"}
        )
    desk.create_release(title="Escaped <script>alert(1)</script>")
    browser = signed_in(desk, desk.technician.name)
    first = browser.get("releases?q=Listed")
    assert first.status_code == 200
    assert "1\u201320 of 23" in first.text and "Next page" in first.text
    second = browser.get("releases?q=Listed&page=2")
    assert "21\u201323 of 23" in second.text and "Previous page" in second.text
    ascending = browser.get("releases?q=Listed&sort=title&dir=asc")
    assert ascending.text.index("Listed 00") < ascending.text.index("Listed 01")
    escaped = browser.get("releases?q=Escaped")
    assert "<script>alert(1)</script>" not in escaped.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped.text
    nothing = browser.get("releases?q=no+such+words")
    assert "No releases match" in nothing.text and "Clear filters" in nothing.text
    fragment = browser.get(
        "releases?q=Listed", headers={"HX-Request": "true", "HX-Target": "release-results"}
    )
    assert fragment.text.lstrip().startswith('<div id="release-results">')


def test_an_empty_portal_says_no_releases_and_offers_to_create_one(desk: Desk) -> None:
    browser = signed_in(desk, desk.requester.name)
    page = browser.get("releases")
    assert "No releases" in page.text and "Create a release" in page.text


def test_a_requester_lists_only_their_own_releases(desk: Desk) -> None:
    desk.create_release(title="Staff only")
    desk.create_release(key=desk.requester.key, title="Mine to see")
    browser = signed_in(desk, desk.requester.name)
    page = browser.get("releases")
    assert "Mine to see" in page.text and "Staff only" not in page.text


def test_pages_carry_a_strict_content_security_policy(desk: Desk) -> None:
    page = WebUser(desk).get("sign-in")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert WebUser(desk).client.head(f"/app/{desk.portal}/ui/sign-in").status_code == 200


def test_an_unknown_address_under_the_ui_is_a_page_too(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    missing = browser.get("no-such-page")
    assert missing.status_code == 404
    assert "<h1>Not found</h1>" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    wrong_method = browser.client.delete(browser.url("releases"))
    assert wrong_method.status_code == 405 and "<h1>" in wrong_method.text


def test_a_new_password_or_a_role_round_trip_ends_every_session_at_once(desk: Desk) -> None:
    async def change(action: str) -> None:
        async with desk.database.unit_of_work() as session:
            if action == "password":
                await users.set_password(
                    session, desk.portal_id, desk.technician.name, "new-pass-2"
                )
            elif action == "requester":
                await users.set_role(session, desk.portal_id, desk.technician.name, "requester")
            elif action == "technician":
                await users.set_role(session, desk.portal_id, desk.technician.name, "technician")
            elif action == "off":
                await users.set_active(session, desk.portal_id, desk.technician.name, False)
            else:
                await users.set_active(session, desk.portal_id, desk.technician.name, True)

    for undone in (("password",), ("requester", "technician"), ("off", "on")):
        browser = signed_in(desk, desk.technician.name)
        assert browser.get("releases").status_code == 200
        for action in undone:  # the change, then (but for the password) its undoing
            desk.client.portal.call(change, action)
        assert browser.get("releases").status_code == 303, undone


def test_dates_out_of_range_are_refused_beside_their_field(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    for moment in ("0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00", "12026-01-01T00:00"):
        refused = browser.post(
            "releases", {"title": "Far", "scheduled_start_time": moment}, via="releases/new"
        )
        assert refused.status_code == 422, moment
        assert 'href="#scheduled_start_time"' in refused.text


def test_a_long_list_counts_up_to_its_cap_and_says_so(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from releasedesk.web.pages import releases

    monkeypatch.setattr(releases, "PAGE_SIZE", 2)
    monkeypatch.setattr(releases, "TOTAL_CAP", 3)
    for number in range(5):
        desk.create_release(title=f"Counted {number}")
    browser = signed_in(desk, desk.technician.name)
    first = browser.get("releases")
    assert "Releases 1\u20132 of 3+" in first.text and "Next page" in first.text
    last = browser.get("releases?page=3")
    assert "5\u20135 of 5" in last.text  # a page past the cap counts as far as itself
