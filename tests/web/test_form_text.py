"""A web form or address whose percent-escapes do not spell UTF-8 is a 400 page naming the
field, and nothing is stored (Starlette read `a%FFb` as "a\ufffdb")."""

from __future__ import annotations

from releasedesk.db.models import Release
from tests.helpers import Desk
from tests.web.web_client import csrf_of, signed_in


def test_a_new_release_form_with_invalid_utf8_is_refused(desk: Desk) -> None:
    browser = signed_in(desk, desk.admin.name)
    token = csrf_of(browser.get("releases/new").text)
    before = desk.count(Release)
    response = browser.client.post(
        browser.url("releases"),
        content=f"csrf_token={token}&title=a%FFb".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 400, response.text
    assert "title" in response.text and "UTF-8" in response.text
    assert desk.count(Release) == before


def test_a_multipart_form_is_refused(desk: Desk) -> None:
    """The pages send URL-encoded forms; Starlette would read a multipart field that is not
    UTF-8 as Latin-1."""
    browser = signed_in(desk, desk.admin.name)
    token = csrf_of(browser.get("releases/new").text)
    before = desk.count(Release)
    response = browser.client.post(
        browser.url("releases"),
        files={"csrf_token": (None, token), "title": (None, b"a\xffb")},
        follow_redirects=False,
    )
    assert response.status_code == 400, response.text
    assert desk.count(Release) == before


def test_an_address_with_invalid_utf8_is_refused(desk: Desk) -> None:
    browser = signed_in(desk, desk.admin.name)
    response = browser.get("releases?q=a%FFb")
    assert response.status_code == 400, response.text
    assert "UTF-8" in response.text
