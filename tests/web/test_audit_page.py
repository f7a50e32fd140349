"""The Audit page (administrators only): the portal's trail newest first, 50 a page keyed by
the chain's place, filtered by event and start date; a refused filter beside its field;
technicians and requesters get a 403 page and no nav link; another portal's events never
show. In Chromium: axe-core and no sideways scroll at 1280 and 390 px, with screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import NO_SUBJECT, AuditActor, AuditKind, release_detail
from tests.helpers import Desk, make_desk
from tests.served import Served
from tests.web.accounts_helpers import signed_in
from tests.web.browser import (
    DESKTOP,
    NARROW,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
    set_width,
)
from tests.web.html_tree import parse


def record_closes(desk: Desk, count: int) -> None:
    """`count` release-closed events in the desk's portal, in one transaction."""

    async def write() -> None:
        async with desk.database.unit_of_work() as session:
            for number in range(count):
                await audit.record(
                    session,
                    portal_id=desk.portal_id,
                    by=AuditActor(desk.admin.id, desk.admin.name),
                    kind=AuditKind.RELEASE_CLOSED,
                    subject=NO_SUBJECT,
                    detail=release_detail(
                        1000 + number, f"Release {number}", status="Completed", comment=None
                    ),
                )

    desk.client.portal.call(write)


def test_an_admin_reads_the_trail_newest_first_filtered_and_paged(desk: Desk) -> None:
    record_closes(desk, 55)
    admin = signed_in(desk, "admin")
    page = admin.page("/audit")
    assert page.all("a", href=f"{admin.prefix}/audit")  # the nav link
    rows = page.one("table", class_="audit").one("tbody").all("tr")
    assert len(rows) == 50
    assert "Release closed" in rows[0].text and "release 1054 'Release 54'" in rows[0].text
    older = page.one("a", rel="next").attrs["href"]
    assert re.search(r"before=\d+", older)

    rest = parse(admin.get(older.removeprefix(admin.prefix)).text)
    rows = rest.one("table", class_="audit").one("tbody").all("tr")
    kinds = [r.all("td")[1].text for r in rows]
    assert "release 1004 'Release 4'" in rows[0].text  # on from where the first page ended
    assert kinds[-1] == "User added"  # the desk's people, the oldest entries
    assert not rest.all("a", rel="next")

    keys = admin.page("/audit?kind=key_created")
    shown = {r.all("td")[1].text for r in keys.one("tbody").all("tr")}
    assert shown == {"API key created"}
    assert "No entries" in admin.page("/audit?since=2999-01-01").text

    refused = admin.get("/audit?since=yesterday")
    assert refused.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in parse(refused.text).by_id("since-error").text


def test_technicians_and_requesters_get_a_403_and_no_link(desk: Desk) -> None:
    for who in ("technician", "requester"):
        browser = signed_in(desk, who)
        keys_page = browser.page("/keys")
        assert not keys_page.all("a", href=f"{browser.prefix}/audit")
        response = browser.get("/audit")
        assert response.status_code == 403
        assert "Only an administrator can read the audit trail" in response.text


def test_another_portals_events_never_show(desk: Desk) -> None:
    elsewhere = make_desk(desk.client)
    record_closes(elsewhere, 1)
    page = signed_in(desk, "admin").page("/audit")
    assert "Release 0" not in page.text


def test_the_audit_page_in_a_browser(page: Page, served: Served, desk: Desk) -> None:
    record_closes(desk, 3)
    page.goto(f"{served.url}/app/{desk.portal}/ui/sign-in")
    page.get_by_label("Name or email").fill(desk.admin.name)
    page.get_by_label("Password").fill("admin-pass")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit")
    expect(page.get_by_role("table")).to_contain_text("Release closed")
    page.get_by_label("Event").select_option(label="Release closed")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    for width, suffix in ((DESKTOP["width"], "1280"), (NARROW["width"], "390")):
        set_width(page, width)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"audit-{suffix}")
    page.get_by_label("From (UTC)").fill("2999-01-01")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="No entries")).to_be_visible()
    assert_accessible(page)
