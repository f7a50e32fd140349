"""The Users page over HTTP (administrators only): the list, adding a user, changing a role,
deactivating and activating, setting a password; refusals beside their control with nothing
changed (the last active administrator among them); a changed role or a deactivation ends
the person's web session; a requester gets a 403 page and their forged posts change
nothing; another portal's users are not found."""

from __future__ import annotations

import httpx

from releasedesk.core.actors import Role
from releasedesk.core.users import administration, service
from releasedesk.core.users.views import UserView
from tests.helpers import Desk, make_desk
from tests.web.accounts_helpers import Browser, Node, buttons, labelled, parse, signed_in


def users_of(desk: Desk) -> dict[str, UserView]:
    async def load() -> dict[str, UserView]:
        async with desk.database.unit_of_work(writes=False) as session:
            rows = await service.list_users(session, desk.portal_id)
            return {user.name: administration.user_view(user) for user in rows}

    return desk.client.portal.call(load)


def row_group(page: Node, user_id: int) -> Node:
    """The table body of one user: their row and the row of their actions."""
    return next(body for body in page.all("tbody") if body.all(id=f"user-{user_id}"))


def signs_in(desk: Desk, login: str, password: str) -> bool:
    browser = Browser(desk)
    browser.get("/sign-in")
    return browser.post("/sign-in", {"login": login, "password": password}).status_code == 303


def api_status(desk: Desk, key: str) -> int:
    return desk.client.get(
        f"/app/{desk.portal}/api/v3/releases", headers={"authtoken": key}
    ).status_code


def signed_out(browser: Browser) -> bool:
    response = browser.get("/keys")
    return response.status_code == 303 and "/sign-in" in response.headers["location"]


def deactivate_default_admin(desk: Desk) -> None:
    """Leave Ada Admin the only active administrator of the desk's portal."""

    async def change() -> None:
        async with desk.database.unit_of_work() as session:
            await service.set_active(session, desk.portal_id, "administrator", False)

    desk.client.portal.call(change)


def test_an_admin_sees_every_user_with_their_role_and_state(desk: Desk) -> None:
    browser = signed_in(desk, "admin")
    page = browser.page("/users")
    assert page.one("h1").text == "Users"
    nav = page.one("nav", aria_label="Main")
    assert nav.one("a", href=f"{browser.prefix}/users").get("aria-current") == "page"
    users_table = page.one("table", class_="users")
    assert users_table.one("caption").text.startswith("Users of this portal")
    headers = [th.text for th in users_table.one("thead").all("th")]
    assert headers == ["Name", "Email", "Role", "Active", "Approvals waiting"]

    tech = row_group(page, desk.technician.id)
    first = tech.all("tr")[0]
    assert f"{desk.technician.name.replace(' ', '.').lower()}@" in first.text
    assert "Technician" in first.text and "Active" in first.text and "No password" in first.text
    assert labelled(tech, f"Role of {desk.technician.name}").get("name") == "role"
    assert buttons(tech, "Change role") and buttons(tech, "Set password")
    assert len(buttons(tech, "Deactivate")) == 2  # the summary and the confirming button
    assert (
        tech.one("details", class_="dialog", text="Deactivate").one("button").get("class")
        == "danger"
    )
    assert not buttons(tech, "Delete")  # users are never deleted
    assert page.by_id(f"user-{desk.admin.id}").text.startswith(f"{desk.admin.name} (you)")
    for field in ("Name", "Email", "Role", "Password"):
        labelled(page, field)
    assert buttons(page, "Add user")


def test_adding_a_user_who_can_then_sign_in(desk: Desk) -> None:
    browser = signed_in(desk, "admin")
    browser.page("/users")
    form = {
        "name": "Dana Tech",
        "email": "dana@example.com",
        "role": "technician",
        "password": "dana pass",
    }
    response = browser.post("/users", form)
    assert response.status_code == 303
    page = browser.page("/users")
    assert page.by_id("status").text == "Dana Tech was added as a technician."
    dana = users_of(desk)["Dana Tech"]
    assert (dana.email_id, dana.role, dana.has_password) == (
        "dana@example.com",
        Role.TECHNICIAN,
        True,
    )
    assert "Dana Tech" in row_group(page, dana.id).text
    assert signs_in(desk, "dana@example.com", "dana pass")


def test_a_refused_add_keeps_what_was_typed_and_adds_no_one(desk: Desk) -> None:
    browser = signed_in(desk, "admin")
    browser.page("/users")
    before = users_of(desk)
    taken = before[desk.technician.name].email_id
    assert taken is not None
    cases = [
        ({"name": "", "email": "", "role": "requester"}, "name", "Enter the user's name"),
        ({"name": "Dana", "email": taken.upper(), "role": "requester"}, "email", "already exists"),
        ({"name": "Dana", "email": "nope", "role": "requester"}, "email", "not an email address"),
        ({"name": desk.technician.name, "email": "", "role": "admin"}, "name", "already exists"),
        ({"name": "Dana", "email": "", "role": "wizard"}, "role", "Choose a role"),
    ]
    for form, field, says in cases:
        response = browser.post("/users", {**form, "password": "secret"})
        assert response.status_code == 422, form
        page = parse(response.text)
        assert says in page.by_id(f"{field}-error").text, form
        assert page.one("div", class_="error-summary").one("a", href=f"#{field}")
        assert page.by_id("name").get("value") == form["name"]
        assert page.by_id("password").get("value") in (None, "")  # a password is not sent back
    assert users_of(desk).keys() == before.keys()


def test_a_role_change_takes_effect_and_signs_the_person_out(desk: Desk) -> None:
    admin = signed_in(desk, "admin")
    tech = signed_in(desk, "technician")
    assert tech.get("/keys").status_code == 200
    admin.page("/users")
    response = admin.post(f"/users/{desk.technician.id}/role", {"role": "requester"})
    assert response.status_code == 303
    page = admin.page("/users")
    assert page.by_id("status").text.startswith(f"{desk.technician.name} is now a requester.")
    assert "Requester" in row_group(page, desk.technician.id).all("tr")[0].text
    assert users_of(desk)[desk.technician.name].role is Role.REQUESTER
    assert signed_out(tech)  # the browser signed in as a technician is signed out
    assert api_status(desk, desk.technician.key) == 200  # the key acts with the new role
    assert signs_in(desk, desk.technician.name, "technician-pass")  # and may sign in again


def test_deactivating_signs_out_and_refuses_keys_and_activating_restores_them(desk: Desk) -> None:
    admin = signed_in(desk, "admin")
    rita = signed_in(desk, "requester")
    assert api_status(desk, desk.requester.key) == 200
    page = admin.page("/users")
    dialog = row_group(page, desk.requester.id).one("details", class_="dialog", text="Deactivate")
    assert f"Deactivate {desk.requester.name}?" in dialog.text
    action = dialog.one("form").attrs["action"].removeprefix(admin.prefix)
    assert admin.post(action, {}).status_code == 303
    page = admin.page("/users")
    assert "was deactivated" in page.by_id("status").text
    group = row_group(page, desk.requester.id)
    assert "Deactivated" in group.all("tr")[0].text
    assert buttons(group, "Activate") and not buttons(group, "Deactivate")
    assert signed_out(rita)
    assert api_status(desk, desk.requester.key) == 401
    assert not signs_in(desk, desk.requester.name, "requester-pass")

    assert admin.post(f"/users/{desk.requester.id}/activate", {}).status_code == 303
    assert api_status(desk, desk.requester.key) == 200
    assert signs_in(desk, desk.requester.name, "requester-pass")
    assert users_of(desk)[desk.requester.name].is_active


def test_setting_a_password_and_an_empty_one_refused_beside_the_field(desk: Desk) -> None:
    admin = signed_in(desk, "admin")
    otto = desk.other_requester
    page = admin.page("/users")
    field = labelled(row_group(page, otto.id), f"New password for {otto.name}")
    assert field.get("type") == "password" and field.get("id") == f"password-{otto.id}"

    refused = admin.post(f"/users/{otto.id}/password", {"password": ""})
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "must not be empty" in page.by_id(f"password-{otto.id}-error").text
    assert "open" in row_group(page, otto.id).one("details", text="Set password").attrs
    assert not users_of(desk)[otto.name].has_password

    assert admin.post(f"/users/{otto.id}/password", {"password": " otto pw "}).status_code == 303
    assert signs_in(desk, otto.name, " otto pw ")
    assert not signs_in(desk, otto.name, "otto pw")


def test_the_last_active_admin_keeps_the_role_and_stays_active(desk: Desk) -> None:
    deactivate_default_admin(desk)
    admin = signed_in(desk, "admin")
    admin.page("/users")
    me = desk.admin.id

    refused = admin.post(f"/users/{me}/role", {"role": "technician"})
    assert refused.status_code == 422
    page = parse(refused.text)
    message = page.by_id(f"role-{me}-error").text
    assert "is the last active administrator of this portal" in message
    assert "before you change their role" in message
    assert page.one("div", class_="error-summary").one("a", href=f"#role-{me}")
    assert page.by_id(f"role-{me}").get("aria-invalid") == "true"

    refused = admin.post(f"/users/{me}/deactivate", {})
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "before you deactivate them" in page.by_id(f"active-{me}-error").text
    assert "open" in row_group(page, me).one("details", text="Deactivate").attrs

    ada = users_of(desk)[desk.admin.name]
    assert (ada.role, ada.is_active) == (Role.ADMIN, True)
    assert admin.get("/users").status_code == 200  # still signed in, still an admin


def test_a_requester_gets_a_403_page_and_their_forged_posts_change_nothing(desk: Desk) -> None:
    rita = signed_in(desk, "requester")
    keys_page = rita.page("/keys")
    assert not keys_page.all("a", href=f"{rita.prefix}/users")
    response = rita.get("/users")
    assert response.status_code == 403
    assert "Only an administrator can manage users" in parse(response.text).one("main").text

    before = users_of(desk)
    otto = desk.other_requester.id
    forged: list[tuple[str, dict[str, str]]] = [
        ("/users", {"name": "Mallory", "email": "", "role": "admin", "password": "x"}),
        ("/users", {"name": "", "email": "", "role": ""}),  # even an empty form
        (f"/users/{desk.requester.id}/role", {"role": "admin"}),
        (f"/users/{otto}/deactivate", {}),
        (f"/users/{desk.admin.id}/password", {"password": "taken-over"}),
        (f"/users/{otto}/password", {"password": ""}),
    ]
    for path, form in forged:
        answer: httpx.Response = rita.post(path, form)
        assert answer.status_code == 403, (path, answer.text[:300])
        assert "Only an administrator can" in answer.text
    assert users_of(desk) == before
    assert not signs_in(desk, desk.admin.name, "taken-over")


def test_unknown_and_other_portals_users_are_not_found(desk: Desk) -> None:
    admin = signed_in(desk, "admin")
    admin.page("/users")
    elsewhere = make_desk(desk.client)
    for path in (
        "/users/999999999/role",
        f"/users/{2**70}/deactivate",
        f"/users/{elsewhere.technician.id}/role",
        f"/users/{elsewhere.technician.id}/password",
        f"/users/{elsewhere.technician.id}/deactivate",
    ):
        response = admin.post(path, {"role": "requester", "password": "x"})
        assert response.status_code == 404, path
        assert "no user with id" in response.text
    theirs = users_of(elsewhere)[elsewhere.technician.name]
    assert (theirs.role, theirs.is_active, theirs.has_password) == (Role.TECHNICIAN, True, False)
