"""The API keys page over HTTP: a key made, shown once and used; refusals beside their
fields; revoking one's own key (refused by the API at once); a requester's view and forged
posts; an administrator's view of every key of the portal."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from releasedesk.core.users import keys
from releasedesk.core.users.views import KeyView
from releasedesk.db.models import ApiKey
from tests.helpers import Desk, make_desk
from tests.web.accounts_helpers import Browser, Node, buttons, labelled, parse, signed_in


def api_status(desk: Desk, key: str) -> int:
    """What the ServiceDesk Plus API answers the key (the authtoken header)."""
    return desk.client.get(
        f"/app/{desk.portal}/api/v3/releases", headers={"authtoken": key}
    ).status_code


def keys_of(desk: Desk, user_id: int) -> list[KeyView]:
    async def load() -> list[KeyView]:
        async with desk.database.unit_of_work(writes=False) as session:
            return list(await keys.list_keys(session, desk.portal_id, user_id))

    return desk.client.portal.call(load)


def row_of(table: Node, label: str) -> Node:
    rows = [row for row in table.all("tr") if row.all("th", scope="row", text=label)]
    assert len(rows) == 1, f"{len(rows)} rows labelled {label!r}"
    return rows[0]


def cells(row: Node) -> list[str]:
    return [
        cell.text for cell in row.children if isinstance(cell, Node) and cell.tag in ("th", "td")
    ]


def state_of(row: Node) -> str:
    return row.one("strong", class_="tag").text


def table(page: Node, caption: str) -> Node:
    return next(t for t in page.all("table") if t.one("caption").text == caption)


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


def test_a_new_key_is_shown_once_in_the_answer_to_its_post_and_works(desk: Desk) -> None:
    browser = signed_in(desk, "requester")
    page = browser.page("/keys")
    assert page.one("h1").text == "API keys"
    label = labelled(page, "Label")
    expires = labelled(page, "Expires")
    assert expires.get("type") == "date"
    hint = page.by_id(expires.attrs["aria-describedby"]).text
    assert "stops working at the start of this day" in hint and "UTC" in hint
    assert label.get("name") == "label" and buttons(page, "Create key")

    expiry = in_days(30)
    response = browser.post("/keys", {"label": "CI pipeline", "expires": expiry})
    assert response.status_code == 200  # answered directly: no redirect, no flash cookie
    assert response.headers["cache-control"] == "no-store"
    page = parse(response.text)
    shown = labelled(page, "New key")
    key = shown.attrs["value"]
    assert "readonly" in shown.attrs and key.startswith("rdk_")
    assert "only this once" in page.by_id(shown.attrs["aria-describedby"]).text
    assert key not in response.headers.get("set-cookie", "")
    assert key not in str(response.url)
    made = keys_of(desk, desk.requester.id)[-1]
    assert made.name == "CI pipeline"
    assert made.expires_time == dt.datetime.fromisoformat(expiry).replace(tzinfo=dt.UTC)
    row = cells(row_of(table(page, "Your keys"), "CI pipeline"))
    day = dt.date.fromisoformat(expiry)
    assert f"{day.day} {day:%b %Y}, 00:00 UTC" in row
    assert row.count("Never") == 1  # last used
    assert any(c.startswith(made.prefix) for c in row)
    assert state_of(row_of(table(page, "Your keys"), "CI pipeline")) == "Active"

    assert api_status(desk, key) == 200
    again = browser.get("/keys")
    assert key not in again.text  # never shown again
    row = cells(row_of(table(parse(again.text), "Your keys"), "CI pipeline"))
    assert "Never" not in row  # used just now


def test_last_used_expired_and_never_expiring_keys_read_as_words(desk: Desk) -> None:
    browser = signed_in(desk, "technician")
    assert api_status(desk, desk.technician.key) == 200  # used now
    browser.post("/keys", {"label": "old"})
    old = keys_of(desk, desk.technician.id)[-1]

    async def expire() -> None:
        async with desk.database.unit_of_work() as session:
            past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
            await session.execute(
                update(ApiKey).where(ApiKey.id == old.id).values(expires_time=past)
            )

    desk.client.portal.call(expire)
    mine = table(browser.page("/keys"), "Your keys")
    used = cells(row_of(mine, desk.technician.name))
    assert "Never" in used  # never expires…
    assert used[4] != "Never"  # …but was used just now
    expired = row_of(mine, "old")
    assert state_of(expired) == "Expired" and not buttons(expired, "Revoke")


def test_refusals_are_shown_beside_their_fields_and_nothing_is_made(desk: Desk) -> None:
    browser = signed_in(desk, "requester")
    before = len(keys_of(desk, desk.requester.id))
    cases = [
        ({"label": "", "expires": ""}, "label", "Enter a label"),
        ({"label": "x", "expires": in_days(0)}, "expires", "must be after today"),
        ({"label": "x", "expires": in_days(-3)}, "expires", "must be after today"),
        ({"label": "x", "expires": "31/01/2027"}, "expires", "Enter the expiry as a date"),
        ({"label": "x" * 201, "expires": ""}, "label", "longer than 200 characters"),
    ]
    for form, field, says in cases:
        response = browser.post("/keys", form)
        assert response.status_code == 422, form
        page = parse(response.text)
        assert page.one("title").text.startswith("Error:")
        assert says in page.by_id(f"{field}-error").text
        assert page.by_id(field).get("aria-invalid") == "true"
        assert page.one("div", class_="error-summary").one("a", href=f"#{field}")
        assert page.by_id(field).get("value") == form[field]  # kept as typed
        assert not page.all(id="new-key")
    assert len(keys_of(desk, desk.requester.id)) == before


def test_revoking_ones_own_key_is_confirmed_and_the_api_refuses_it_at_once(desk: Desk) -> None:
    browser = signed_in(desk, "technician")
    key = desk.technician.key
    assert api_status(desk, key) == 200  # the key is now in the auth cache
    mine = keys_of(desk, desk.technician.id)[0]
    page = browser.page("/keys")
    row = row_of(table(page, "Your keys"), desk.technician.name)
    dialog = row.one("details", class_="dialog")
    confirm = dialog.one("button", type="submit")
    assert confirm.text == "Revoke" and "danger" in confirm.attrs["class"]
    assert dialog.one("summary").text == "Revoke"
    label_cell = page.by_id(confirm.attrs["aria-describedby"])
    assert label_cell.tag == "th" and label_cell.text == desk.technician.name
    assert "cannot be undone" in dialog.text

    form = dialog.one("form")
    response = browser.post(form.attrs["action"].removeprefix(browser.prefix), {})
    assert response.status_code == 303
    assert response.headers["location"] == f"{browser.prefix}/keys"
    assert api_status(desk, key) == 401
    page = browser.page("/keys")
    assert "was revoked" in page.by_id("status").text
    row = row_of(table(page, "Your keys"), desk.technician.name)
    assert state_of(row) == "Revoked" and not buttons(row, "Revoke")
    assert keys_of(desk, desk.technician.id)[0].revoked_time is not None

    again = browser.post(f"/keys/{mine.id}/revoke", {})  # a second tab, say
    assert again.status_code == 422 and "already revoked" in again.text


def test_a_requester_sees_only_their_keys_and_cannot_revoke_anyone_elses(desk: Desk) -> None:
    browser = signed_in(desk, "requester")
    page = browser.page("/keys")
    assert [t.one("caption").text for t in page.all("table")] == ["Your keys"]
    assert desk.other_requester.name not in page.text and desk.admin.name not in page.text
    assert not page.all("a", href=f"{browser.prefix}/users")  # no Users link for them

    others = keys_of(desk, desk.other_requester.id)[0]
    forged = browser.post(f"/keys/{others.id}/revoke", {})
    assert forged.status_code == 403
    assert "Only an administrator can revoke the keys of other users" in forged.text
    assert api_status(desk, desk.other_requester.key) == 200
    assert keys_of(desk, desk.other_requester.id)[0].revoked_time is None

    assert browser.post("/keys/999999999/revoke", {}).status_code == 404
    assert browser.post(f"/keys/{2**70}/revoke", {}).status_code == 404
    elsewhere = make_desk(desk.client)
    foreign = keys_of(elsewhere, elsewhere.requester.id)[0]
    missing = browser.post(f"/keys/{foreign.id}/revoke", {})
    assert missing.status_code == 404 and "Not found" in missing.text
    assert elsewhere.get("/releases", key=elsewhere.requester.key).status_code == 200


def test_an_admin_sees_and_revokes_every_key_of_the_portal(desk: Desk) -> None:
    browser = signed_in(desk, "admin")
    assert api_status(desk, desk.technician.key) == 200
    elsewhere = make_desk(desk.client)
    page = browser.page("/keys")
    every = table(page, "All keys of this portal")
    headers = [th.text for th in every.one("thead").all("th")]
    assert headers[:2] == ["Label", "Owner"]
    owners = {cells(row)[1] for row in every.one("tbody").all("tr")}
    assert owners == {p.name for p in desk.people.values()}
    theirs = {k.id for k in keys_of(elsewhere, elsewhere.admin.id)}
    actions = {f.attrs["action"] for f in page.all("form")}
    assert not {f"{browser.prefix}/keys/{key_id}/revoke" for key_id in theirs} & actions

    tech = keys_of(desk, desk.technician.id)[0]
    row = row_of(every, desk.technician.name)
    assert len(buttons(row, "Revoke")) == 2  # the summary and the confirming button
    confirm = row.one("button", type="submit")
    label_cell = page.by_id(confirm.attrs["aria-describedby"])
    assert label_cell.tag == "th" and label_cell.text.startswith(desk.technician.name)
    response = browser.post(f"/keys/{tech.id}/revoke", {}, follow_redirects=True)
    assert response.status_code == 200
    assert f"of {desk.technician.name}" in parse(response.text).by_id("status").text
    assert api_status(desk, desk.technician.key) == 401

    foreign = keys_of(elsewhere, elsewhere.technician.id)[0]
    assert browser.post(f"/keys/{foreign.id}/revoke", {}).status_code == 404
    assert elsewhere.get("/releases", key=elsewhere.technician.key).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in_and_a_post_without_its_token_is_refused(
    desk: Desk,
) -> None:
    stranger = Browser(desk)
    response = stranger.get("/keys")
    assert response.status_code == 303 and "/sign-in" in response.headers["location"]
    browser = signed_in(desk, "requester")
    before = len(keys_of(desk, desk.requester.id))
    browser.csrf = "forged"
    assert browser.post("/keys", {"label": "sneaky"}).status_code == 403
    assert len(keys_of(desk, desk.requester.id)) == before
