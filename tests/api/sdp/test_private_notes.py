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


def test_the_history_keeps_a_hidden_note_s_text_from_requesters(desk: Desk) -> None:
    rid = desk.create_release(key=desk.requester.key)["id"]
    for text, shown in (("<p>for you</p>", True), ("<p>staff only</p>", False)):
        desk.post(
            f"/releases/{rid}/notes",
            input_data={"note": {"description": text, "show_to_requester": shown}},
        )
    hidden = desk.get(f"/releases/{rid}/notes").json()["notes"][1]
    desk.put(
        f"/releases/{rid}/notes/{hidden['id']}",
        input_data={"note": {"description": "<p>staff, changed</p>"}},
    )

    def history(key: str) -> str:
        response = desk.get(f"/releases/{rid}/history", key=key)
        assert response.status_code == 200, response.text
        return str(response.json()["history"])

    staff = history(desk.admin.key)
    assert "staff only" in staff and "staff, changed" in staff and "for you" in staff
    mine = history(desk.requester.key)
    assert "for you" in mine
    assert "staff only" not in mine and "staff, changed" not in mine
    assert mine.count("'note_add'") == 2  # the entries stay, without the hidden values
