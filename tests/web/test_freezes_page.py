"""The Freezes page in Chromium, as an administrator and a requester use it: a one-off window
created, listed, changed; a recurring one scoped to a service and a release type; a window's
page with the release scheduled into it and an exception granted (refused first to the
release's own requester, beside the field); the window deleted after a confirmation. Bad
input is said beside the field it concerns and saves nothing; a requester reads the list and
a forged form is the core's 403. Every page is checked by axe-core at 1280 and 390 px, for
sideways scrolling, and photographed into test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from releasedesk.web.freeze_words import DASH
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
from tests.web.web_client import give_password

BERLIN_YEAR_END = f"22 Dec 2031, 00:00 {DASH} 4 Jan 2032, 00:00 Europe/Berlin (UTC+01:00)"


def looked_at(page: Page, name: str) -> None:
    """axe-core and the reflow check at desktop and phone widths, and a screenshot of each."""
    for width, suffix in ((DESKTOP["width"], "1280"), (NARROW["width"], "390")):
        set_width(page, width)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"freezes-{name}-{suffix}")
    set_width(page, DESKTOP["width"])


def sign_in(page: Page, served: Served, desk: Desk, login: str, password: str) -> None:
    page.goto(f"{served.url}/app/{desk.portal}/ui/sign-in")
    page.get_by_label("Name or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Releases")).to_be_visible()
    page.get_by_role("link", name="Freezes", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Freezes")).to_be_visible()


def windows(desk: Desk) -> list[dict[str, Any]]:
    """The portal's windows as the API reads them (what the page saved, or did not)."""
    answer = desk.client.get(
        f"/app/{desk.portal}/api/v1/freeze_windows", headers={"authtoken": desk.admin.key}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["freeze_windows"]  # type: ignore[no-any-return]


def scheduled(desk: Desk, title: str, start: str, key: str | None = None) -> str:
    """A release scheduled for two hours from `start` (RFC 3339), touching Email."""
    ms = int(dt.datetime.fromisoformat(start).timestamp() * 1000)
    made = desk.create_release(
        key=key,
        title=title,
        scheduled_start_time={"value": str(ms)},
        scheduled_end_time={"value": str(ms + 2 * 3_600_000)},
        services=[{"name": "Email"}],
        release_type={"name": "Major"},
    )
    return str(made["id"])


def row(page: Page, name: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def beside(page: Page, label: str, says: str) -> None:
    """The field labelled `label` is marked invalid and described by a message saying `says`,
    which the error summary links to."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(says)))
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile(re.escape(says))))


def test_an_administrator_makes_changes_scopes_excuses_and_deletes_windows(
    page: Page, served: Served, desk: Desk
) -> None:
    payroll = scheduled(desk, "Payroll mail relay", "2027-01-09T10:00:00+00:00", desk.requester.key)
    own = scheduled(desk, "Admin's own change", "2027-01-09T14:00:00+00:00")  # the admin's
    sign_in(page, served, desk, desk.admin.name, "admin-pass")
    expect(page.get_by_role("heading", name="No freeze windows")).to_be_visible()
    looked_at(page, "empty")

    # A one-off window, read in Berlin time.
    page.get_by_role("link", name="Create a freeze window").click()
    form = page.get_by_role("region", name="Create a freeze window")
    form.get_by_label("Name", exact=True).fill("Year-end freeze")
    form.get_by_label("Reason", exact=True).fill("Finance closes the books")
    expect(form.get_by_label("Block")).to_be_checked()
    expect(form.get_by_label("One-off")).to_be_checked()
    expect(form.get_by_label("Repeat rule")).to_be_hidden()  # the other kind's fields
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_label("Start", exact=True).fill("2031-12-22T00:00")
    form.get_by_label("End", exact=True).fill("2032-01-04T00:00")
    form.get_by_role("button", name="Create freeze window").click()
    expect(page.get_by_role("status")).to_contain_text("“Year-end freeze” was created")
    year_end = row(page, "Year-end freeze")
    expect(year_end).to_contain_text(BERLIN_YEAR_END)
    expect(year_end).to_contain_text("Blocks")
    expect(year_end).to_contain_text("All releases")
    expect(year_end).to_contain_text(desk.admin.name)
    (saved,) = windows(desk)
    assert saved["start"] == "2031-12-22T00:00:00+01:00" and saved["effect"] == "block"
    # the zone last used is offered for the next one
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")

    # Changed: it warns now.
    page.get_by_role("link", name="Year-end freeze").click()
    page.get_by_role("link", name="Change window").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change “Year-end freeze”")
    expect(page.get_by_label("Start", exact=True)).to_have_value("2031-12-22T00:00")
    looked_at(page, "edit")
    page.get_by_label("Warn").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("“Year-end freeze” was changed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Year-end freeze")
    expect(page.locator("p.release-state").get_by_text("Warns")).to_be_visible()
    assert windows(desk)[0]["effect"] == "warn"

    # A recurring window for Email and Major releases, by keyboard.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Freezes").click()
    form = page.get_by_role("region", name="Create a freeze window")
    form.get_by_label("Name", exact=True).fill("Mail weekends")
    form.get_by_label("Reason", exact=True).fill("No one on call for mail")
    form.get_by_label("One-off").focus()
    page.keyboard.press("ArrowDown")  # the kind's radios, as a keyboard moves through them
    expect(form.get_by_label("Recurring")).to_be_checked()
    expect(form.get_by_label("Start", exact=True)).to_be_hidden()
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_label("Repeat rule").fill("FREQ=WEEKLY;BYDAY=SA")
    form.get_by_label("First start").fill("2027-01-02T00:00")
    form.get_by_label("Duration").fill("PT48H")
    form.get_by_label("Dates left out").fill("2027-01-16")
    form.get_by_role("group", name=re.compile("^Services")).get_by_label("Email").check()
    form.get_by_role("group", name=re.compile("^Release types")).get_by_label("Major").check()
    form.get_by_role("button", name="Create freeze window").click()
    expect(page.get_by_role("status")).to_contain_text("“Mail weekends” was created")
    weekends = row(page, "Mail weekends")
    expect(weekends).to_contain_text("Every Saturday at 00:00 Europe/Berlin, for 48 hours")
    expect(weekends).to_contain_text("Services: Email; Release types: Major")
    expect(weekends).to_contain_text(f"2 Jan 2027, 00:00 {DASH} 4 Jan 2027, 00:00 (UTC+01:00)")
    expect(weekends).not_to_contain_text("16 Jan 2027")  # left out
    looked_at(page, "list")

    # Its page: the releases scheduled into it, and an exception.
    page.get_by_role("link", name="Mail weekends").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail weekends")
    affected = page.get_by_role("region", name="Releases scheduled into its coming occurrences")
    expect(affected.get_by_role("link", name=f"#{payroll} Payroll mail relay")).to_be_visible()
    expect(affected).not_to_contain_text("Exception granted")
    expect(page.get_by_text("No exception has been granted to this window.")).to_be_visible()
    last_day = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    grant = page.get_by_role("region", name="Grant an exception")
    grant.get_by_label("Release number").fill(own)
    grant.get_by_label("Reason").fill("My own change")
    grant.get_by_label("Last day").fill(last_day)
    grant.get_by_role("button", name="Grant exception").click()
    beside(page, "Release number", "A release's requester cannot grant it an exception")
    expect(page.get_by_label("Reason", exact=True)).to_have_value("My own change")  # kept
    looked_at(page, "grant-refused")
    grant.get_by_label("Release number").fill(payroll)
    grant.get_by_label("Reason").fill("Payroll cannot wait")
    grant.get_by_role("button", name="Grant exception").click()
    expect(page.get_by_role("status")).to_contain_text(f"Release {payroll} may now be scheduled")
    expect(affected).to_contain_text("Exception granted")
    exceptions = page.get_by_role("region", name="Exceptions granted to this window")
    expect(exceptions).to_contain_text("Payroll cannot wait")
    expect(exceptions).to_contain_text("Active")
    expect(exceptions).to_contain_text(desk.admin.name)
    looked_at(page, "window")

    # Revoked, after a confirmation: the release meets the window again.
    exceptions.get_by_role("button", name="Revoke").click()
    dialog = page.locator("details.dialog[open] .dialog-body")
    expect(dialog).to_contain_text(f"Revoke the exception of release #{payroll}?")
    looked_at(page, "revoke-exception")
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("The exception was revoked")
    expect(page.get_by_text("No exception has been granted to this window.")).to_be_visible()

    # Deleted, after a confirmation.
    page.get_by_role("button", name="Delete window").click()
    dialog = page.locator("details.dialog[open] .dialog-body")
    expect(dialog).to_contain_text("Delete the freeze window “Mail weekends”?")
    dialog.get_by_role("button", name="Delete window").click()
    expect(page.get_by_role("status")).to_contain_text("“Mail weekends” was deleted")
    expect(page.get_by_role("link", name="Mail weekends")).to_have_count(0)
    assert [w["name"] for w in windows(desk)] == ["Year-end freeze"]


def test_bad_input_is_said_beside_its_field_and_saves_nothing_at_390_px(
    narrow_page: Page, served: Served, desk: Desk
) -> None:
    page = narrow_page
    sign_in(page, served, desk, desk.admin.name, "admin-pass")
    form = page.get_by_role("region", name="Create a freeze window")
    form.get_by_label("Name", exact=True).fill("Backwards")
    form.get_by_label("Reason", exact=True).fill("Testing")
    form.get_by_label("Time zone").fill("UTC")
    form.get_by_label("Start", exact=True).fill("2031-12-22T00:00")
    form.get_by_label("End", exact=True).fill("2031-12-21T00:00")
    form.get_by_role("button", name="Create freeze window").click()
    beside(page, "End", "'end' must be after 'start'")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Backwards")  # kept
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    screenshot(page, "freezes-refused-390")

    page.get_by_label("Recurring").check()
    page.get_by_label("Repeat rule").fill("FREQ=SOMETIMES")
    page.get_by_label("First start").fill("2027-01-02T00:00")
    page.get_by_label("Duration").fill("PT48H")
    page.get_by_role("button", name="Create freeze window").click()
    beside(page, "Repeat rule", "'rrule' cannot be read")
    expect(page.get_by_label("Recurring")).to_be_checked()  # still the kind chosen

    page.get_by_label("Repeat rule").fill("FREQ=WEEKLY")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Create freeze window").click()
    beside(page, "Time zone", "must be an IANA time zone")
    assert_no_sideways_scroll(page)
    assert windows(desk) == []


def test_a_requester_reads_the_list_and_a_forged_form_is_refused(
    page: Page, served: Served, desk: Desk
) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for name, start, end in (
        ("Year-end freeze", "2031-12-22T00:00:00+01:00", "2032-01-04T00:00:00+01:00"),
        ("Incident review", (now - dt.timedelta(hours=1)).isoformat(), None),
    ):
        desk.client.post(
            f"/app/{desk.portal}/api/v1/freeze_windows",
            headers={"authtoken": desk.admin.key},
            json={
                "name": name,
                "reason": "Finance closes the books",
                "timezone": "Europe/Berlin",
                "start": start,
                "end": end or (now + dt.timedelta(days=1)).isoformat(),
            },
        ).raise_for_status()
    give_password(desk, desk.requester.name, "requester-pass")
    sign_in(page, served, desk, desk.requester.name, "requester-pass")
    expect(row(page, "Year-end freeze")).to_contain_text(BERLIN_YEAR_END)
    expect(row(page, "Year-end freeze")).not_to_contain_text("On now")
    expect(row(page, "Incident review")).to_contain_text("On now")
    expect(page.get_by_role("heading", name="Create a freeze window")).to_have_count(0)
    expect(page.get_by_role("button", name="Create freeze window")).to_have_count(0)
    looked_at(page, "requester-list")
    page.get_by_role("link", name="Year-end freeze").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Year-end freeze")
    for name in ("Change window", "Grant an exception", "Delete window"):
        expect(page.get_by_text(name, exact=True)).to_have_count(0)
    looked_at(page, "requester-window")

    token = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    window_id = page.url.rsplit("/", 1)[1]
    ui = f"{served.url}/app/{desk.portal}/ui"
    forged = {
        "freezes": {
            "name": "Sneaky",
            "reason": "x",
            "timezone": "UTC",
            "start": "2031-01-01T00:00",
        },
        f"freezes/{window_id}": {"name": "Renamed", "reason": "x", "timezone": "UTC"},
        f"freezes/{window_id}/delete": {},
        f"freezes/{window_id}/exceptions": {"release": "1", "reason": "x"},
        f"freezes/{window_id}/exceptions/1/revoke": {},
    }
    for path, fields in forged.items():
        answer = page.request.post(
            f"{ui}/{path}", form={"csrf_token": token, **fields}, max_redirects=0
        )
        assert answer.status == 403, (path, answer.status)
        assert "Only an administrator can" in answer.text()
    assert page.request.get(f"{ui}/freezes/{window_id}/edit").status == 403
    assert sorted(w["name"] for w in windows(desk)) == ["Incident review", "Year-end freeze"]
