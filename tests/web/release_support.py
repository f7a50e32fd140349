"""What the release page's tests share: a signed-in browser per person (its own cookies over
the one TestClient) and a minimal HTML tree to find elements by tag, id, class or text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from releasedesk.core.users import service as users
from tests.helpers import Desk, Person

PASSWORD = "web-pass-1234"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


# --- a minimal HTML tree -------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else f" {child.text} ")
        return " ".join("".join(parts).split())

    @property
    def classes(self) -> set[str]:
        return set((self.get("class") or "").split())

    def kids(self, tag: str) -> list[Element]:
        """Direct children by tag."""
        return [c for c in self.children if isinstance(c, Element) and c.tag == tag]

    def walk(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def all(
        self, tag: str | None = None, *, text: str | None = None, **attrs: str
    ) -> list[Element]:
        """Descendants by tag, attributes (`class_` matches one class) and contained text."""
        found = []
        for element in self.walk():
            if tag is not None and element.tag != tag:
                continue
            if "class_" in attrs and attrs["class_"] not in element.classes:
                continue
            if any(element.get(k) != v for k, v in attrs.items() if k != "class_"):
                continue
            if text is not None and text not in element.text:
                continue
            found.append(element)
        return found

    def one(self, tag: str | None = None, *, text: str | None = None, **attrs: str) -> Element:
        found = self.all(tag, text=text, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag}> {attrs} {text!r}"
        return found[0]

    def first(self, tag: str | None = None, *, text: str | None = None, **attrs: str) -> Element:
        found = self.all(tag, text=text, **attrs)
        assert found, f"no <{tag}> {attrs} {text!r}"
        return found[0]

    def form_to(self, action_end: str) -> Element:
        """The form whose action ends with `action_end`."""
        forms = [f for f in self.all("form") if (f.get("action") or "").endswith(action_end)]
        assert len(forms) == 1, f"{len(forms)} forms to …{action_end}"
        return forms[0]

    def has_form_to(self, action_end: str) -> bool:
        return any((f.get("action") or "").endswith(action_end) for f in self.all("form"))

    def section(self, heading: str) -> Element:
        """The <section> whose heading says `heading`."""
        for section in self.all("section"):
            headings = [h for h in section.children if isinstance(h, Element)]
            for child in headings:
                if child.tag in ("h2", "div") and heading == _heading_text(child):
                    return section
        raise AssertionError(f"no section headed {heading!r}")


def _heading_text(element: Element) -> str:
    if element.tag == "h2":
        return element.text
    h2 = [c for c in element.children if isinstance(c, Element) and c.tag == "h2"]
    return h2[0].text if h2 else ""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


# --- a browser per person ------------------------------------------------------------------


def give_password(desk: Desk, person: Person) -> None:
    async def set_it() -> None:
        async with desk.database.unit_of_work() as session:
            await users.set_password(session, desk.portal_id, person.name, PASSWORD)

    desk.client.portal.call(set_it)


class Browser:
    """One person's browser: their cookies, kept between their requests, over the desk's
    one TestClient (whose own cookie jar is swapped in and out around each request)."""

    def __init__(self, desk: Desk, person: Person) -> None:
        self.desk = desk
        self.person = person
        self.cookies = httpx.Cookies()
        if person.id != desk.admin.id:
            give_password(desk, person)
        page = self.get("/sign-in")
        response = self.post(
            "/sign-in",
            {
                "login": person.name,
                "password": "admin-pass" if person.id == desk.admin.id else PASSWORD,
            },
            csrf=csrf_of(page),
        )
        assert response.status_code == 200, response.text
        assert "Sign out" in response.text

    def url(self, path: str) -> str:
        return f"/app/{self.desk.portal}/ui{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = self.desk.client
        client.cookies = self.cookies
        try:
            response = client.request(method, self.url(path), **kwargs)
            self.cookies = httpx.Cookies(client.cookies)
        finally:
            client.cookies = httpx.Cookies()
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        *,
        csrf: str | None = None,
        follow: bool = True,
    ) -> httpx.Response:
        """POST a form as a browser does, with the CSRF token of this browser's pages."""
        token = csrf or self.csrf()
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        body: dict[str, list[str]] = {"csrf_token": [token]}
        for name, value in fields:
            body.setdefault(name, []).append(str(value))
        return self.request("POST", path, data=body, follow_redirects=follow)

    def csrf(self) -> str:
        return csrf_of(self.get("/releases"))

    def page(self, path: str, status: int = 200) -> Element:
        response = self.get(path)
        assert response.status_code == status, (response.status_code, response.text[:2000])
        return parse(response.text)


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(response: httpx.Response) -> str:
    found = CSRF.search(response.text)
    assert found is not None, response.text[:500]
    return found.group(1)
