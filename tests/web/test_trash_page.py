"""The Trash page over HTTP: the trashed releases a user may see (most recently trashed
first, 20 a page, who trashed each), Restore for staff, Delete permanently for admins after
a confirmation, and the core's refusals as pages (403, 404) that change nothing.

Releases are made and trashed through the SDP API, and what the page did is checked there
too: the web front and the API share one core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from releasedesk.core.users import service as users
from tests.helpers import Desk, Person

PASSWORD = "a-long-test-password"
DASH = "\u2013"  # the pager's "1 to 20 of 23" is written with an en dash


class Parsed(HTMLParser):
    """What the tests look at in a page: headings, the caption, the table's body rows (the
    text of each cell), the buttons and summaries by their text, form actions, links, the
    flash and the first CSRF token."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str]] = []
        self.caption = ""
        self.header_cells: list[str] = []
        self.rows: list[list[str]] = []
        self.buttons: list[str] = []
        self.summaries: list[str] = []
        self.actions: list[str] = []
        self.links: dict[str, str] = {}
        self.flash = ""
        self.csrf = ""
        self.text_parts: list[str] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self._in_tbody = False
        self.feed(html)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "input" and values.get("name") == "csrf_token" and not self.csrf:
            self.csrf = values.get("value", "")
        if tag == "form":
            self.actions.append(values.get("action", ""))
        if tag == "tbody":
            self._in_tbody = True
        if tag == "tr" and self._in_tbody:
            self.rows.append([])
        if tag in ("h1", "h2", "caption", "td", "th", "button", "summary", "a") or (
            tag == "p" and "flash" in values.get("class", "").split()
        ):
            self._open.append((tag, values, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_tbody = False
        if not self._open or self._open[-1][0] != tag:
            return
        _, values, parts = self._open.pop()
        text = " ".join("".join(parts).split())
        for outer in self._open:  # text inside a link inside a cell belongs to both
            outer[2].append(text + " ")
        if tag in ("h1", "h2"):
            self.headings.append((tag, text))
        elif tag == "caption":
            self.caption = text
        elif tag == "th":
            self.header_cells.append(text)
        elif tag == "td" and self.rows:
            self.rows[-1].append(text)
        elif tag == "button":
            self.buttons.append(text)
        elif tag == "summary":
            self.summaries.append(text)
        elif tag == "a":
            self.links[text] = values.get("href", "")
        elif tag == "p":
            self.flash = text

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._open:
            self._open[-1][2].append(data)


@dataclass
class UI:
    """A browser on the desk's portal UI: signs in as one of the desk's people and sends
    forms as a browser does (the CSRF token taken from the page)."""

    desk: Desk
    passwords: dict[int, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/app/{self.desk.portal}/ui"

    def sign_in(self, person: Person) -> None:
        client = self.desk.client
        client.cookies.clear()
        if person.id not in self.passwords:
            password = "admin-pass" if person is self.desk.admin else PASSWORD
            if password == PASSWORD:

                async def set_password() -> None:
                    async with self.desk.database.unit_of_work() as session:
                        await users.set_password(
                            session, self.desk.portal_id, person.name, PASSWORD
                        )

                assert client.portal is not None
                client.portal.call(set_password)
            self.passwords[person.id] = password
        form = Parsed(client.get(f"{self.base}/sign-in").text)
        response = client.post(
            f"{self.base}/sign-in",
            data={
                "csrf_token": form.csrf,
                "login": person.name,
                "password": self.passwords[person.id],
                "next": "",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    def get(self, path: str = "trash", **params: Any) -> httpx.Response:
        return self.desk.client.get(f"{self.base}/{path}", params=params, follow_redirects=False)

    def page(self, path: str = "trash", **params: Any) -> Parsed:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return Parsed(response.text)

    def post(self, path: str, **data: str) -> httpx.Response:
        """A form sent from the trash page (with the token that page carries)."""
        token = self.page().csrf
        assert token
        return self.desk.client.post(
            f"{self.base}/{path}", data={"csrf_token": token, **data}, follow_redirects=False
        )

    def follow(self, response: httpx.Response) -> Parsed:
        assert response.status_code == 303, response.text
        followed = self.desk.client.get(response.headers["location"], follow_redirects=False)
        assert followed.status_code == 200, followed.text
        return Parsed(followed.text)


@pytest.fixture
def ui(desk: Desk) -> Iterator[UI]:
    desk.client.cookies.clear()  # the client is shared by the whole run
    yield UI(desk)
    desk.client.cookies.clear()


def trash(desk: Desk, *ids: int, key: str | None = None) -> None:
    response = desk.request(
        "DELETE", f"/releases/move_to_trash?ids={','.join(map(str, ids))}", key=key
    )
    assert response.status_code == 200, response.text


def made(desk: Desk, title: str, key: str | None = None) -> int:
    return int(desk.create_release(key=key, title=title)["id"])


def deleted_time(desk: Desk, release_id: int) -> object:
    response = desk.get(f"/releases/{release_id}")
    assert response.status_code == 200, response.text
    return response.json()["release"]["deleted_time"]


def operations(desk: Desk, release_id: int) -> list[str]:
    history = desk.get(f"/releases/{release_id}/history").json()["history"]
    return [entry["operation"]["name"] for entry in history]


def test_lists_the_trashed_releases_only_newest_first_with_who_trashed_them(
    desk: Desk, ui: UI
) -> None:
    made(desk, "Still live")
    first, second = made(desk, "Gone first"), made(desk, "Gone second")
    trash(desk, first)
    trash(desk, second, key=desk.technician.key)
    ui.sign_in(desk.admin)
    page = ui.page()
    assert ("h1", "Trash") in page.headings
    assert "Releases stay in the trash until deleted permanently." in page.text
    assert page.caption == f"Releases in the trash 1{DASH}2 of 2"
    assert page.header_cells == ["ID", "Title", "Deleted by", "Deleted at", "Actions"]
    assert [row[:3] for row in page.rows] == [
        [str(second), "Gone second", desk.technician.name],
        [str(first), "Gone first", desk.admin.name],
    ]
    assert all(row[3].endswith("UTC") for row in page.rows)  # the precise time, with its zone
    assert page.buttons.count("Restore") == 2
    assert page.summaries == ["Delete permanently", "Delete permanently"]
    assert f"1{DASH}2 of 2" in page.text
    assert "Next page" not in page.links and "Previous page" not in page.links


def test_restore_brings_the_release_back_and_says_so(desk: Desk, ui: UI) -> None:
    rid, other = made(desk, "Bring me back"), made(desk, "Stay in the trash")
    trash(desk, rid, other)
    ui.sign_in(desk.admin)
    response = ui.post(f"trash/{rid}/restore")
    page = ui.follow(response)
    assert page.flash == f"Release {rid} restored."
    assert page.links[f"Open release {rid}"] == f"{ui.base}/releases/{rid}"
    assert [row[1] for row in page.rows] == ["Stay in the trash"]
    assert deleted_time(desk, rid) is None
    assert deleted_time(desk, other) is not None
    assert operations(desk, rid)[0] == "restore_from_trash"
    # The link to the restored release comes with the message only.
    assert f"Open release {rid}" not in ui.page(restored=str(rid)).links


def test_a_technician_restores_but_cannot_delete(desk: Desk, ui: UI) -> None:
    rid, kept = made(desk, "Technician restores"), made(desk, "Technician cannot delete")
    trash(desk, rid, kept)
    ui.sign_in(desk.technician)
    page = ui.page()
    assert page.buttons.count("Restore") == 2
    assert "Delete permanently" not in page.summaries + page.buttons
    assert not [action for action in page.actions if action.endswith("/delete")]
    forged = ui.post(f"trash/{kept}/delete")
    assert forged.status_code == 403
    assert "Only an administrator can delete releases permanently" in Parsed(forged.text).text
    assert deleted_time(desk, kept) is not None
    assert operations(desk, kept)[0] == "move_to_trash"
    page = ui.follow(ui.post(f"trash/{rid}/restore"))
    assert page.flash == f"Release {rid} restored."
    assert deleted_time(desk, rid) is None


def test_an_admin_deletes_permanently_after_a_confirmation(desk: Desk, ui: UI) -> None:
    rid, kept = made(desk, "Delete me"), made(desk, "Keep me in the trash")
    trash(desk, rid, kept)
    ui.sign_in(desk.admin)
    page = ui.page()
    assert ("h2", f"Delete release {rid} permanently?") in page.headings
    assert "This cannot be undone." in page.text
    assert page.buttons.count("Delete permanently") == 2  # one inside each closed dialog
    page = ui.follow(ui.post(f"trash/{rid}/delete", page="1"))
    assert page.flash == f"Release {rid} deleted permanently."
    assert [row[1] for row in page.rows] == ["Keep me in the trash"]
    assert desk.get(f"/releases/{rid}").status_code == 404
    assert deleted_time(desk, kept) is not None


def test_a_requester_sees_their_own_trash_without_controls_and_is_refused(
    desk: Desk, ui: UI
) -> None:
    own = made(desk, "Mine, trashed", key=desk.requester.key)
    others = made(desk, "Someone else's, trashed")
    trash(desk, own, others)
    ui.sign_in(desk.requester)
    page = ui.page()
    assert [row[1] for row in page.rows] == ["Mine, trashed"]
    assert page.header_cells == ["ID", "Title", "Deleted by", "Deleted at"]
    assert "Restore" not in page.buttons
    assert "Delete permanently" not in page.buttons + page.summaries
    assert "Only staff can restore" in page.text
    for release_id in (own, others):
        for action in ("restore", "delete"):
            forged = ui.post(f"trash/{release_id}/{action}")
            assert forged.status_code == 403, (release_id, action)
            assert ("h1", "Not allowed") in Parsed(forged.text).headings
        assert deleted_time(desk, release_id) is not None
        assert operations(desk, release_id)[0] == "move_to_trash"


def test_empty_trash(desk: Desk, ui: UI) -> None:
    made(desk, "Live and well")
    ui.sign_in(desk.admin)
    page = ui.page()
    assert ("h2", "Trash is empty") in page.headings
    assert page.rows == [] and page.caption == ""
    assert "Go to the releases" in page.links


def test_pages_of_twenty(desk: Desk, ui: UI) -> None:
    ids = [made(desk, f"Trashed {n:02}") for n in range(23)]
    trash(desk, *ids)
    ui.sign_in(desk.technician)
    first = ui.page()
    assert len(first.rows) == 20
    assert first.caption == f"Releases in the trash 1{DASH}20 of 23"
    assert f"1{DASH}20 of 23" in first.text
    assert "Previous page" not in first.links
    assert first.links["Next page"] == f"{ui.base}/trash?page=2"
    second = ui.page(page="2")
    assert len(second.rows) == 3 and f"21{DASH}23 of 23" in second.text
    assert second.links["Previous page"] == f"{ui.base}/trash"
    assert "Next page" not in second.links
    shown = [int(row[0]) for row in first.rows + second.rows]
    assert sorted(shown) == sorted(ids) and len(set(shown)) == 23
    # A page past the end (releases restored meanwhile) shows the last one.
    assert [row[0] for row in ui.page(page="9").rows] == [row[0] for row in second.rows]
    # Restoring from page 2 comes back to page 2.
    response = ui.post(f"trash/{shown[-1]}/restore", page="2")
    assert response.headers["location"] == f"{ui.base}/trash?page=2&restored={shown[-1]}"
    assert len(ui.follow(response).rows) == 2


def test_a_release_not_in_the_trash_is_a_404_page_and_nothing_changes(desk: Desk, ui: UI) -> None:
    live, gone = made(desk, "Never trashed"), made(desk, "Restored elsewhere")
    trash(desk, gone)
    ui.sign_in(desk.admin)
    assert ui.post(f"trash/{gone}/restore").status_code == 303
    for path, shown in (
        (f"trash/{live}/restore", live),
        (f"trash/{live}/delete", live),
        (f"trash/{gone}/restore", gone),  # restored meanwhile (another tab, the API)
        (f"trash/{gone}/delete", gone),
        ("trash/999999999/restore", 999999999),
        ("trash/abc/delete", "abc"),
    ):
        response = ui.post(path)
        assert response.status_code == 404, path
        page = Parsed(response.text)
        assert ("h1", f"Release {shown} is not in the trash") in page.headings
        assert page.links["Go to the trash"] == f"{ui.base}/trash"
    assert deleted_time(desk, live) is None and deleted_time(desk, gone) is None
    assert operations(desk, live) == ["add"]
    assert operations(desk, gone) == ["restore_from_trash", "move_to_trash", "add"]
    # Deleted permanently meanwhile: the same answer.
    trash(desk, gone)
    assert desk.request("DELETE", f"/releases/{gone}").status_code == 200
    response = ui.post(f"trash/{gone}/restore")
    assert response.status_code == 404
    assert ("h1", f"Release {gone} is not in the trash") in Parsed(response.text).headings


def test_writes_need_the_forms_token_and_a_signed_in_user(desk: Desk, ui: UI) -> None:
    rid = made(desk, "Guarded")
    trash(desk, rid)
    assert ui.get().status_code == 303  # signed out: to the sign-in page
    assert "/sign-in" in ui.get().headers["location"]
    ui.sign_in(desk.admin)
    response = desk.client.post(f"{ui.base}/trash/{rid}/delete", follow_redirects=False)
    assert response.status_code == 403
    assert deleted_time(desk, rid) is not None
