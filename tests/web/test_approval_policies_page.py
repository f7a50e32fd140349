"""The Approval policies page in Chromium, as an administrator uses it: a policy with
business hours and an escalation created and listed in words, changed, a bad duration said
beside its field (nothing saved), then deleted after a confirmation. A technician sees no
link and gets a 403. Every page is checked by axe-core at 1280 and 390 px, for sideways
scrolling, and photographed into test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from releasedesk.web.policy_words import DASH
from tests.api.sdp.approvals_support import add_level, add_people, sent
from tests.helpers import Desk, Person
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


def looked_at(page: Page, name: str) -> None:
    """axe-core and the reflow check at desktop and phone widths, and a screenshot of each."""
    for width, suffix in ((DESKTOP["width"], "1280"), (NARROW["width"], "390")):
        set_width(page, width)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"policies-{name}-{suffix}")
    set_width(page, DESKTOP["width"])


def sign_in(page: Page, served: Served, desk: Desk, login: str, password: str) -> None:
    page.goto(f"{served.url}/app/{desk.portal}/ui/sign-in")
    page.get_by_label("Name or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Releases")).to_be_visible()


def policies(desk: Desk) -> list[dict[str, Any]]:
    """The portal's policies as the API reads them (what the page saved, or did not)."""
    answer = desk.client.get(
        f"/app/{desk.portal}/api/v1/approval_policies", headers={"authtoken": desk.admin.key}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["approval_policies"]  # type: ignore[no-any-return]


def row(page: Page, name: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def beside(page: Page, label: str, says: str) -> None:
    """The field labelled `label` is marked invalid and described by a message saying `says`,
    which the error summary links to."""
    field = page.get_by_label(label)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(says)))
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile(re.escape(says))))


def test_an_administrator_creates_changes_and_deletes_a_policy(
    page: Page, served: Served, desk: Desk
) -> None:
    sign_in(page, served, desk, desk.admin.name, "admin-pass")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Approval policies"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Approval policies")).to_be_visible()
    expect(page.get_by_role("heading", name="No approval policies")).to_be_visible()
    looked_at(page, "empty")

    # The portal's default, counted in Berlin's business hours, escalating to a technician.
    form = page.get_by_role("region", name="Create an approval policy")
    form.get_by_label("Name", exact=True).fill("CAB default")
    expect(form.get_by_label("The portal's default")).to_be_checked()
    expect(form.get_by_label("Stage", exact=True)).to_be_hidden()
    form.get_by_label("First after").fill("PT4H")
    form.get_by_label("Then every").fill("P1D")
    form.get_by_label("At most").fill("3")
    form.get_by_label("Escalate after").fill("P2D")
    form.get_by_label("People").select_option(desk.technician.name)
    form.get_by_label("Time out after").fill("P3D")
    form.get_by_label("Then the level is").select_option("reject")
    form.get_by_label("Warn before").fill("PT4H")
    form.get_by_label("Approvals needed").fill("2")
    form.get_by_label("Forbid self-approval").check()
    expect(form.get_by_label("Time zone")).to_be_hidden()
    form.get_by_label("Count only business hours").check()
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_label("Sat").check()
    form.get_by_label("Fri").uncheck()
    form.get_by_label("Opens").fill("08:00")
    form.get_by_label("Closes").fill("16:30")
    form.get_by_label("Holidays").fill("2026-12-24\n2026-12-25")
    looked_at(page, "form")
    form.get_by_role("button", name="Create approval policy").click()
    expect(page.get_by_role("status")).to_contain_text("“CAB default” was created")

    cab = row(page, "CAB default")
    expect(cab).to_contain_text("The portal's default")
    expect(cab).to_contain_text(
        "Reminds after 4 business hours, then every 1 business day, at most 3 times"
    )
    expect(cab).to_contain_text(f"Escalates after 2 business days to {desk.technician.name}")
    expect(cab).to_contain_text(
        "Times out after 3 business days: rejected, warned 4 business hours before"
    )
    expect(cab).to_contain_text("2 approvals (N of M)")
    expect(cab).to_contain_text("Self-approval forbidden")
    expect(cab).to_contain_text(f"Mon{DASH}Thu, Sat 08:00{DASH}16:30 Europe/Berlin, 2 holidays")
    looked_at(page, "list")
    (saved,) = policies(desk)
    assert saved["business_hours"] == {
        "timezone": "Europe/Berlin",
        "days": ["MO", "TU", "WE", "TH", "SA"],
        "start": "08:00",
        "end": "16:30",
        "holidays": ["2026-12-24", "2026-12-25"],
    }
    assert saved["escalation_approvers"] == [{"name": desk.technician.name}]
    assert saved["timeout"] == {"after": "P3D", "action": "reject", "warn_before": "PT4H"}

    # Changed: a bad duration first, beside its field and nothing saved.
    cab.get_by_role("link", name="CAB default").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change “CAB default”")
    expect(page.get_by_label("First after")).to_have_value("PT4H")
    expect(page.get_by_label("Count only business hours")).to_be_checked()
    expect(page.get_by_label("Sat")).to_be_checked()
    page.get_by_label("Then every").fill("every day")
    page.get_by_role("button", name="Save changes").click()
    beside(page, "Then every", "reminder.every")
    expect(page.get_by_label("Then every")).to_have_value("every day")  # kept as typed
    looked_at(page, "refused")
    assert policies(desk)[0]["reminder"]["every"] == "P1D"

    page.get_by_label("Then every").fill("PT12H")
    page.get_by_label("Count only business hours").uncheck()
    page.get_by_label("Then the level is").select_option("expire")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("“CAB default” was changed")
    cab = row(page, "CAB default")
    expect(cab).to_contain_text("then every 12 hours")
    expect(cab).to_contain_text("Times out after 3 days: expires (asked again)")
    expect(cab).to_contain_text("Round the clock")
    assert policies(desk)[0]["business_hours"] is None

    # Deleted, after a confirmation.
    cab.get_by_role("link", name="CAB default").click()
    page.get_by_role("button", name="Delete policy").click()
    dialog = page.locator("details.dialog[open] .dialog-body")
    expect(dialog).to_contain_text("Delete the approval policy “CAB default”?")
    looked_at(page, "edit")
    dialog.get_by_role("button", name="Delete policy").click()
    expect(page.get_by_role("status")).to_contain_text("“CAB default” was deleted")
    expect(page.get_by_role("heading", name="No approval policies")).to_be_visible()
    assert policies(desk) == []


def test_a_technician_has_no_approval_policies_page(page: Page, served: Served, desk: Desk) -> None:
    give_password(desk, desk.technician.name, "tech-pass")
    sign_in(page, served, desk, desk.technician.name, "tech-pass")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Approval policies")).to_have_count(0)
    ui = f"{served.url}/app/{desk.portal}/ui"
    assert page.request.get(f"{ui}/approval_policies").status == 403
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    forged = page.request.post(
        f"{ui}/approval_policies",
        form={"csrf_token": token, "name": "Sneaky", "applies_to": "portal"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "Only an administrator can" in forged.text()
    assert policies(desk) == []


def asked(desk: Desk, approver: Person, title: str) -> tuple[str, str]:
    """A release with a level asking `approver`, sent: (release id, approval id)."""
    rid = str(desk.create_release(title=title)["id"])
    level = add_level(desk, rid, approvers=[approver])
    (approval,) = level["approvals"]
    sent(desk, rid, level["id"], approval["id"])
    return rid, str(approval["id"])


def put_policy(desk: Desk, body: dict[str, Any], policy_id: int | None = None) -> int:
    path = f"/app/{desk.portal}/api/v1/approval_policies"
    answer = desk.client.request(
        "POST" if policy_id is None else "PUT",
        path if policy_id is None else f"{path}/{policy_id}",
        json=body,
        headers={"authtoken": desk.admin.key},
    )
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["id"])


def test_the_release_page_and_my_approvals_show_deadlines(
    page: Page, served: Served, desk: Desk
) -> None:
    """A level sent with no policy has no deadline; one sent under the portal's default
    (5 days) keeps it after the policy is changed to 2 hours, which the next level gets:
    My approvals lists the 2-hour one first, then the 5-day one, then the one without."""
    (approver,) = add_people(desk, 1)
    give_password(desk, approver.name, "approver-pass")
    none_id, none_approval = asked(desk, approver, "No deadline")
    policy = {
        "name": "CAB default",
        "timeout": {"after": "P5D"},
        "reminder": {"first_after": "P1D"},
    }
    policy_id = put_policy(desk, policy)
    slow_id, slow_approval = asked(desk, approver, "Five days")
    put_policy(desk, {**policy, "timeout": {"after": "PT2H"}}, policy_id)
    fast_id, fast_approval = asked(desk, approver, "Two hours")

    sign_in(page, served, desk, approver.name, "approver-pass")
    page.goto(f"{served.url}/app/{desk.portal}/ui/releases/{slow_id}")
    level = page.locator(".level").filter(has_text="Level 1")
    expect(level).to_contain_text("Policy 'CAB default': it is the portal's default")
    expect(level).to_contain_text("kept as it started: the policy was changed since")
    expect(level.get_by_text("Deadline:")).to_be_visible()
    expect(level).to_contain_text("next reminder:")
    page.get_by_role("heading", name="Approvals", exact=True).scroll_into_view_if_needed()
    looked_at(page, "release")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^My approvals")
    ).click()
    articles = page.locator("article.approval")
    expect(articles).to_have_count(3)
    ids = [a.get_attribute("id") for a in articles.all()]
    assert ids == [f"approval-{a}" for a in (fast_approval, slow_approval, none_approval)]
    expect(articles.nth(0)).to_contain_text("Two hours")
    expect(articles.nth(2).get_by_role("definition").last).to_have_text("None")
    looked_at(page, "my-approvals")
    assert none_id and fast_id
