"""Driving the web UI over HTTP as a browser does: sign in, keep the cookies, send each form
with the CSRF token the page carried."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.testclient import TestClient

from releasedesk.core.users import service as users
from tests.helpers import Desk

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "web-pass-1"


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def give_password(desk: Desk, name: str, password: str = PASSWORD) -> None:
    async def setting() -> None:
        async with desk.database.unit_of_work() as session:
            await users.set_password(session, desk.portal_id, name, password)

    desk.client.portal.call(setting)


class WebUser:
    """One browser: its own cookie jar over the desk's app, signed in to the desk's portal."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.client = TestClient(desk.client.app, base_url="http://testserver")
        # The app's event loop (its connection pool lives there), not a loop of its own.
        self.client.portal = desk.client.portal
        self.prefix = f"/app/{desk.portal}/ui"

    def url(self, path: str) -> str:
        return f"{self.prefix}/{path.lstrip('/')}"

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(self.url(path), **kwargs)

    def post(
        self, path: str, data: dict[str, Any], *, via: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """POST `data` as the form on `via` (default: `path`'s page) would, token included."""
        page = self.get(via or path)
        form = {"csrf_token": csrf_of(page.text), **data}
        return self.client.post(self.url(path), data=form, follow_redirects=False, **kwargs)

    def sign_in(self, login: str, password: str = PASSWORD) -> httpx.Response:
        return self.post("sign-in", {"login": login, "password": password})


def signed_in(desk: Desk, name: str, password: str | None = None) -> WebUser:
    """A browser signed in as `name` (given a password first unless one is given)."""
    if password is None:
        give_password(desk, name)
        password = PASSWORD
    user = WebUser(desk)
    response = user.sign_in(name, password)
    assert response.status_code == 303, response.text
    return user
