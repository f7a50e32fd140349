"""A note not shown to requesters is hidden from them everywhere: lists, reads, changes."""

from __future__ import annotations

from tests.helpers import Desk


def test_requesters_see_only_the_notes_shown_to_them(desk: Desk) -> None:
    rid = desk.create_release(key=desk.requester.key)["id"]
    shown = desk.post(
        f"/releases/{rid}/notes",
        input_data={"note": {"description": "<p>for you</p>", "show_to_requester": True}},
    ).json()["note"]
    hidden = desk.post(
        f"/releases/{rid}/notes", input_data={"note": {"description": "<p>staff only</p>"}}
    ).json()["note"]

    staff = desk.get(f"/releases/{rid}/notes").json()["notes"]
    assert [n["id"] for n in staff] == [shown["id"], hidden["id"]]
    mine = desk.get(f"/releases/{rid}/notes", key=desk.requester.key).json()["notes"]
    assert [n["id"] for n in mine] == [shown["id"]]
    assert (
        desk.get(f"/releases/{rid}/notes/{hidden['id']}", key=desk.requester.key).status_code == 404
    )
    assert (
        desk.get(f"/releases/{rid}/notes/{shown['id']}", key=desk.requester.key).status_code == 200
    )
    changed = desk.put(
        f"/releases/{rid}/notes/{hidden['id']}",
        key=desk.requester.key,
        input_data={"note": {"description": "<p>mine now</p>"}},
    )
    assert changed.status_code == 404
    assert desk.get(f"/releases/{rid}/notes/{hidden['id']}").json()["note"]["description"] == (
        "<p>staff only</p>"
    )
