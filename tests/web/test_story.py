"""The issue's story in Chromium, as a person does it: sign in, create a release, find it,
move it on the board and approve it by keyboard alone, read the decision in the history,
close it; a requester sees no control they may not use and a forged form changes nothing; a
collision shows on the calendar; an API key made on its page works and, revoked, is refused.
Every page visited is checked by axe-core at 1280 and 390 px and for sideways scrolling."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.sdp.approvals_support import add_level, sent
from tests.helpers import Desk
from tests.served import Served
from tests.web.browser import (
    DESKTOP,
    NARROW,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
    set_width,
)
from tests.web.web_client import PASSWORD, give_password


def looked_at(page: Page, name: str) -> None:
    """axe-core and the reflow check at desktop and phone widths, and a screenshot of each."""
    for width, suffix in ((DESKTOP["width"], "1280"), (NARROW["width"], "390")):
        set_width(page, width)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"story-{name}-{suffix}")
    set_width(page, DESKTOP["width"])


def sign_in(page: Page, served: Served, desk: Desk, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{served.url}/app/{desk.portal}/ui/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to releasedesk")
    page.get_by_label("Name or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Releases")).to_be_visible()


@pytest.fixture
def admin_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_story_from_sign_in_to_close(
    page: Page, admin_page: Page, served: Served, desk: Desk
) -> None:
    give_password(desk, desk.technician.name)
    ui = f"{served.url}/app/{desk.portal}/ui"

    page.goto(ui + "/")
    page.get_by_label("Name or email").fill(desk.technician.name)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    looked_at(page, "sign-in-refused")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Releases")).to_be_visible()
    expect(page.get_by_text("No releases", exact=True)).to_be_visible()
    looked_at(page, "list-empty")

    # Create a release; it lands on its page.
    page.get_by_role("link", name="New release").click()
    page.get_by_role("button", name="Create release").click()  # empty: refused, focused
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    looked_at(page, "new-release-refused")
    page.get_by_label("Title").fill("Payroll year-end tables")
    page.get_by_label("Description").fill("New tax tables for payroll")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_label("Release type").select_option(label="Minor")
    page.get_by_label("Scheduled start").fill("2027-01-04T09:00")
    page.get_by_label("Scheduled end").fill("2027-01-04T12:00")
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payroll year-end tables")
    release_id = page.url.rsplit("/", 1)[1]
    looked_at(page, "release-new")

    # Find it by search.
    page.get_by_role("link", name="Releases", exact=True).click()
    page.get_by_role("searchbox", name="Search").fill("year-end")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Payroll year-end tables")).to_be_visible()
    looked_at(page, "list-found")

    # Move it on the board, by keyboard alone.
    page.get_by_role("link", name="Board").click()
    card = page.get_by_role("article", name=re.compile("Payroll year-end tables"))
    card.get_by_label("Move to").focus()
    page.keyboard.press("p")  # Planning
    expect(card.get_by_label("Move to")).to_have_value(re.compile(r"\d+"))
    page.keyboard.press("Tab")  # Status: the stage's first
    page.keyboard.press("Tab")
    expect(card.get_by_label("Comment")).to_be_focused()
    page.keyboard.type("Planned by the board")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name=re.compile("^Move"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"Release {release_id} moved to Planning")
    looked_at(page, "board-moved")

    # The approver approves it from My approvals, by keyboard alone.
    level = add_level(desk, release_id, stage="planning", approvers=[desk.admin])
    sent(desk, release_id, level["id"], level["approvals"][0]["id"])
    sign_in(admin_page, served, desk, desk.admin.name, "admin-pass")
    admin_page.get_by_role("link", name=re.compile("^My approvals")).click()
    item = admin_page.get_by_role("article", name=re.compile("Payroll year-end tables")).or_(
        admin_page.get_by_role("form", name=re.compile("Payroll year-end tables"))
    )
    looked_at(admin_page, "approvals-waiting")
    item.get_by_label("Comment").focus()
    admin_page.keyboard.type("Tables checked")
    admin_page.keyboard.press("Tab")
    expect(item.get_by_role("button", name="Approve", exact=True)).to_be_focused()
    admin_page.keyboard.press("Enter")
    expect(admin_page.get_by_text(re.compile("You approved"))).to_be_visible()
    looked_at(admin_page, "approvals-decided")

    # The decision is in the history.
    page.goto(f"{ui}/releases/{release_id}")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Tables checked")
    looked_at(page, "release-approved")

    # Close it.
    page.get_by_role("button", name="Close release").first.click()
    dialog = page.locator("details.dialog[open] .dialog-body")
    dialog.get_by_label("Status").select_option(label="Completed")
    dialog.get_by_label("Comment").fill("Went out on time")
    dialog.get_by_role("button", name="Close release").click()
    expect(page.get_by_text("Completed").first).to_be_visible()
    released = desk.get(f"/releases/{release_id}").json()["release"]
    assert released["stage"]["internal_name"] == "close"
    looked_at(page, "release-closed")


def test_a_requester_sees_no_staff_control_and_a_forged_form_changes_nothing(
    page: Page, served: Served, desk: Desk
) -> None:
    release = desk.create_release(key=desk.requester.key, title="Laptop for the new hire")
    give_password(desk, desk.requester.name)
    sign_in(page, served, desk, desk.requester.name)
    page.get_by_role("link", name="Laptop for the new hire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Laptop for the new hire")
    for name in ("Close release", "Move to trash", "Pick up"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    looked_at(page, "requester-release")

    page.get_by_role("link", name="Board").click()
    expect(page.get_by_label("Move to")).to_have_count(0)

    # A form forged with the requester's own session and token: the core refuses it.
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    forged = page.request.post(
        f"{served.url}/app/{desk.portal}/ui/releases/{release['id']}/close",
        form={"csrf_token": token or "", "status": "", "comment": "forged"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert (
        desk.get(f"/releases/{release['id']}").json()["release"]["stage"]["internal_name"]
        != "close"
    )


def test_a_collision_shows_on_the_calendar(page: Page, served: Served, desk: Desk) -> None:
    start = dt.datetime(2027, 3, 10, 14, tzinfo=dt.UTC)
    ms = int(start.timestamp() * 1000)
    hours = 3_600_000
    for title, offset in (("Payments gateway upgrade", 0), ("Payments certificate renewal", 1)):
        desk.create_release(
            title=title,
            scheduled_start_time={"value": str(ms + offset * hours)},
            scheduled_end_time={"value": str(ms + (offset + 2) * hours)},
            services=[{"name": "Email"}],
        )
    give_password(desk, desk.technician.name)
    sign_in(page, served, desk, desk.technician.name)
    page.goto(f"{served.url}/app/{desk.portal}/ui/calendar?month=2027-03")
    expect(page.get_by_text("Collision").first).to_be_visible()
    expect(page.get_by_text(re.compile("^Next free")).first).to_be_visible()
    looked_at(page, "calendar-collision")
    page.get_by_role("link", name=re.compile("Payments gateway upgrade")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments gateway upgrade")


def test_an_api_key_made_on_its_page_works_until_revoked(
    page: Page, served: Served, desk: Desk
) -> None:
    give_password(desk, desk.technician.name)
    sign_in(page, served, desk, desk.technician.name)
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Label").fill("Deploy pipeline")
    page.get_by_role("button", name="Create key").click()
    new_key = page.get_by_label("New key")
    expect(new_key).to_have_attribute("readonly", "")
    key = new_key.input_value()
    looked_at(page, "api-key-created")
    api = f"{served.url}/app/{desk.portal}/api/v3/releases"
    assert httpx.get(api, headers={"authtoken": key}).status_code == 200

    row = page.get_by_role("row", name=re.compile("Deploy pipeline"))
    row.get_by_role("button", name="Revoke").first.click()
    row.locator("details.dialog[open] .dialog-body").get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row", name=re.compile("Deploy pipeline"))).to_contain_text("Revoked")
    assert httpx.get(api, headers={"authtoken": key}).status_code == 401
    looked_at(page, "api-key-revoked")
