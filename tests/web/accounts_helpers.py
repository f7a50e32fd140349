"""What the API keys and Users page tests share: a browser of one's own (its own cookies over
the suite's app), signing in through the form, and lookups in the page (tests/web/html_tree)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.testclient import TestClient

from releasedesk.core.users import service as users
from tests.helpers import Desk
from tests.web.html_tree import Node, parse


def labelled(page: Node, label_text: str) -> Node:
    """The control a <label> with this text (exactly, ignoring "(optional)") is for."""
    for label in page.all("label"):
        if label.text.replace("(optional)", "").strip() == label_text:
            return page.by_id(label.attrs["for"])
    raise AssertionError(f"no label {label_text!r}")


def buttons(node: Node, name: str) -> list[Node]:
    """Buttons (and summaries) whose text is exactly `name`."""
    return [n for n in node.iter() if n.tag in ("button", "summary") and n.text == name]


def form_of(page: Node, action_end: str) -> Node:
    forms = [f for f in page.all("form") if f.attrs.get("action", "").endswith(action_end)]
    assert len(forms) == 1, f"{len(forms)} forms posting to …{action_end}"
    return forms[0]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """One browser on the app: its own cookies, swapped into the suite's client for each
    request (the client's event loop holds the database's connections, so a second client
    cannot be opened over the same app)."""

    def __init__(self, desk: Desk) -> None:
        self.client: TestClient = desk.client
        self.prefix = f"/app/{desk.portal}/ui"
        self.jar = httpx.Cookies()
        self.csrf: str | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        saved = self.client.cookies
        self.client.cookies = self.jar
        try:
            response = self.client.request(method, self.prefix + path, **kwargs)
        finally:
            self.jar = httpx.Cookies(self.client.cookies)
            self.client.cookies = saved
        if "csrf_token" in response.text:
            self.csrf = csrf_of(response.text)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        """POST a form as the browser would, with the CSRF token its last page carried."""
        if self.csrf is None:
            self.get("/sign-in")
        assert self.csrf is not None
        return self.request("POST", path, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def page(self, path: str) -> Node:
        response = self.get(path)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return parse(response.text)

    def sign_in(self, login: str, password: str) -> None:
        self.get("/sign-in")
        response = self.post("/sign-in", {"login": login, "password": password})
        assert response.status_code == 303, response.text[:500]
        self.get("/keys")  # the CSRF token of the session's new cookie


def give_password(desk: Desk, name: str, password: str) -> None:
    async def setting() -> None:
        async with desk.database.unit_of_work() as session:
            await users.set_password(session, desk.portal_id, name, password)

    desk.client.portal.call(setting)


def signed_in(desk: Desk, who: str = "admin") -> Browser:
    """A browser signed in as the desk's admin (password admin-pass) or, given one first,
    its technician or requester."""
    person = desk.people[who]
    password = "admin-pass" if who == "admin" else f"{who}-pass"
    if who != "admin":
        give_password(desk, person.name, password)
    browser = Browser(desk)
    browser.sign_in(person.name, password)
    return browser
