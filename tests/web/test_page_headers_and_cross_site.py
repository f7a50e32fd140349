"""The web pages and the approval mail link's page keep their Content-Security-Policy
(issue 19, item 5), and the approval page refuses a form another site's page sends, as the
web UI's own forms do (item 3): the link in the path is its only credential."""

from __future__ import annotations

import httpx
import pytest

from tests.api.sdp.approvals_support import add_level, approval_of, link_paths, sent
from tests.helpers import Desk
from tests.web.web_client import csrf_of, signed_in


def csp(response: httpx.Response) -> str:
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy, policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    return policy


def test_web_pages_keep_their_csp(desk: Desk) -> None:
    browser = signed_in(desk, desk.technician.name)
    pages = [
        desk.client.get(f"/app/{desk.portal}/ui/sign-in"),  # public, nobody signed in
        browser.get("releases"),  # signed in
        browser.get("releases/new"),  # a form
        browser.get("no/such/page"),  # the error page
    ]
    assert [p.status_code for p in pages] == [200, 200, 200, 404]
    for page in pages:
        assert "script-src 'self'" in csp(page)
    token = csrf_of(pages[2].text)
    cross = browser.client.post(
        browser.url("releases"),
        data={"title": "Cross-site", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    csp(cross)  # the refusal page too


def test_the_web_ui_takes_its_configured_address_as_its_own(desk: Desk) -> None:
    """Behind a proxy that rewrites the Host, the browser's Origin is RELEASEDESK_BASE_URL
    (the tests' default http://127.0.0.1:8080): its forms still work."""
    browser = signed_in(desk, desk.technician.name)
    token = csrf_of(browser.get("releases/new").text)
    made = browser.client.post(
        browser.url("releases"),
        data={"title": "Through the proxy", "csrf_token": token},
        headers={"Origin": "http://127.0.0.1:8080"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text


@pytest.fixture
def link(desk: Desk) -> tuple[str, str, str, str]:
    """A pending approval of the technician: (release id, level id, approval id, link path)."""
    rid = desk.create_release(title="Decided by mail")["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    (path,) = link_paths(desk, aid)
    return rid, level["id"], aid, path


def test_the_approval_page_keeps_its_csp(desk: Desk, link: tuple[str, str, str, str]) -> None:
    *_, path = link
    for response in (desk.client.get(path), desk.client.get(path + "x")):  # shown, refused
        policy = csp(response)
        assert "default-src 'none'" in policy and "script-src" not in policy


@pytest.mark.parametrize(
    "signals",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_the_approval_page_refuses_a_form_from_another_site(
    desk: Desk, link: tuple[str, str, str, str], signals: dict[str, str]
) -> None:
    rid, level_id, aid, path = link
    refused = desk.client.post(path, data={"decision": "approve"}, headers=signals)
    assert refused.status_code == 403
    assert "another site" in refused.text
    csp(refused)
    assert approval_of(desk, rid, level_id, aid)["status"]["name"] == "Pending Approval"

    own = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    decided = desk.client.post(path, data={"decision": "approve"}, headers=own)
    assert decided.status_code == 200, decided.text
    assert approval_of(desk, rid, level_id, aid)["status"]["name"] == "Approved"
