"""The approval mail link's page in Chromium: what an approver sees and reads by role and
name, at desktop and phone widths, accessible by axe-core's WCAG A/AA rules; deciding through
the form works in a real browser, under the page's own Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.sdp.approvals_support import add_level, approval_of, link_paths, sent
from tests.helpers import Desk
from tests.served import Served
from tests.web.browser import (
    NARROW,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
    set_width,
)

TITLE = (  # markup that must show as text, and a name too long for a phone's line
    'Quarterly <script>alert("x")</script> release of '
    "com.example.payments.settlement.MssqlServerCumulativeUpdateSeventeen"
)


@pytest.fixture
def pending(desk: Desk) -> tuple[str, str, str, str]:
    """A pending approval of the technician, its mail sent: (release, level, approval, path)."""
    rid = desk.create_release(title=TITLE)["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    (path,) = link_paths(desk, aid)
    return rid, level["id"], aid, path


def test_the_approver_sees_the_release_and_the_form(
    page: Page, served: Served, desk: Desk, pending: tuple[str, str, str, str]
) -> None:
    rid, _, _, path = pending
    response = page.goto(served.url + path)
    assert response is not None and response.status == 200
    expect(page).to_have_title("Approval requested — releasedesk")
    expect(page.get_by_role("heading", level=1, name="Approval requested")).to_be_visible()
    expect(page.get_by_text(f"#{rid} {TITLE}", exact=True)).to_be_visible()  # text, not markup
    expect(page.get_by_text(desk.technician.name, exact=True)).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile(r"^Comments"))).to_be_editable()
    expect(page.get_by_role("button", name="Approve")).to_be_enabled()
    expect(page.get_by_role("button", name="Reject")).to_be_enabled()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    screenshot(page, "approval-link-form-1280")

    set_width(page, NARROW["width"])
    expect(page.get_by_role("button", name="Approve")).to_be_in_viewport()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    screenshot(page, "approval-link-form-390")


def test_deciding_in_the_browser_records_it_once(
    narrow_page: Page, served: Served, desk: Desk, pending: tuple[str, str, str, str]
) -> None:
    page = narrow_page
    rid, level_id, aid, path = pending
    page.goto(served.url + path)
    page.get_by_role("textbox", name=re.compile(r"^Comments")).fill("ship it")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Your decision has been recorded.")).to_be_visible()
    approval = approval_of(desk, rid, level_id, aid)
    assert (approval["status"]["name"], approval["comments"]) == ("Approved", "ship it")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    screenshot(page, "approval-link-recorded-390")

    response = page.goto(served.url + path)  # the mail's link, opened again
    assert response is not None and response.status == 410
    expect(page.get_by_text("already been used")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "approval-link-used-390")
