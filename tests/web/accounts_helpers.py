"""What the API keys and Users page tests share: a browser of one's own (its own cookies over
the suite's app), signing in through the form, and a small HTML tree to look things up in
by tag, attribute and text (the standard library's parser; no snapshot of whole pages)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
from starlette.testclient import TestClient

from releasedesk.core.users import service as users
from tests.helpers import Desk

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else " " + child.text + " ")
        return " ".join("".join(parts).split())

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def all(self, tag: str | None = None, text: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with this tag, containing `text`, with these attribute values
        (`class_` for class, matched as one of its words)."""
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if text is not None and text not in node.text:
                continue
            if all(_attr_matches(node, name, value) for name, value in attrs.items()):
                found.append(node)
        return found

    def one(self, tag: str | None = None, text: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, text, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag}> with {text!r} {attrs}"
        return found[0]

    def by_id(self, id_: str) -> Node:
        return self.one(id=id_)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)


def _attr_matches(node: Node, name: str, value: str) -> bool:
    name = name.rstrip("_").replace("_", "-")
    if name == "class":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value if value is not None else "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {n: v or "" for n, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


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
