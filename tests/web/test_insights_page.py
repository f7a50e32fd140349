"""The Insights page (issue 24, item 5): the DORA figures of dora_support's data set drawn
as SVG bar charts, each with its table and CSV, the form worked by keyboard; the same
hand-computed figures as the API gives (tests/api/v1/test_dora.py has the arithmetic). A
requester has no link and gets a 403. Checked by axe-core at 1280 and 390 px, photographed
into test-artifacts/."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from tests.api.v1.dora_support import build
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
from tests.web.html_tree import parse
from tests.web.web_client import PASSWORD, give_password, signed_in

LEAD = "Lead time for changes"


def cells(page: Page, table: str) -> list[list[str]]:
    rows = page.get_by_role("table", name=table).get_by_role("row")
    return [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in rows.all()[1:]]


def test_insights_in_a_browser(page: Page, served: Served, desk: Desk) -> None:
    data = build(desk)
    give_password(desk, desk.technician.name)
    page.goto(f"{served.url}/app/{desk.portal}/ui/sign-in")
    page.get_by_label("Name or email").fill(desk.technician.name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", level=1, name="Insights")).to_be_visible()

    # The form by keyboard: type into the fields, choose with the keys, submit with Enter.
    page.get_by_label("From").fill("2026-03-02")
    page.get_by_label("To (not included)").fill("2026-03-30")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Interval").focus()
    page.get_by_label("Interval").select_option("week")
    page.get_by_label("Time zone").press("Enter")
    expect(page.get_by_role("img", name=LEAD)).to_be_visible()
    for name in (
        "Deployment frequency",
        "Change failure rate",
        "Time to restore service",
        "Approval wait, level 1",
        "Approval wait, level 2",
    ):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    # Lead time by week, median (hand-computed: 54 h, 49 h, nothing, 36 h)
    assert [row[1] for row in cells(page, f"{LEAD}: the figures")] == [
        "54.0 h",
        "49.0 h",
        "No data",
        "36.0 h",
    ]
    assert cells(page, "Deployment frequency: the figures")[3][:3] == [
        "23 Mar 2026 \u2013 29 Mar 2026",
        "3",
        "3",
    ]
    rates = cells(page, "Change failure rate: the figures")
    assert [(r[1], r[2]) for r in rates] == [
        ("50 %", "1 / 2"),
        ("50 %", "1 / 2"),
        ("No data", "0 / 0"),
        ("0 %", "0 / 3"),
    ]
    assert f"#{data.ids['R1']} (failed)" in rates[0][3]
    restore = cells(page, "Time to restore service: the figures")
    assert [r[1] for r in restore] == ["24.0 h", "54.0 h", "No data", "No data"]
    # An empty bucket has no bar, a dashed mark instead
    lead_chart = page.get_by_role("img", name=LEAD)
    expect(lead_chart.locator("rect.bar")).to_have_count(3)
    expect(lead_chart.locator("line.empty-mark")).to_have_count(1)
    for width, suffix in ((DESKTOP["width"], "1280"), (NARROW["width"], "390")):
        set_width(page, width)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"insights-{suffix}")
    set_width(page, DESKTOP["width"])

    # One metric, the mean: the skewed last week (24, 36, 768 h) is 276 h = 11.5 days
    page.get_by_label("Metric").select_option(label=LEAD)
    page.get_by_label("Aggregation of durations").select_option(label="Mean")
    page.get_by_role("button", name="Show").click()
    assert [row[1] for row in cells(page, f"{LEAD}: the figures")] == [
        "2.3 days",
        "2.0 days",
        "No data",
        "11.5 days",
    ]
    expect(page.get_by_role("img", name="Deployment frequency")).to_have_count(0)
    screenshot(page, "insights-lead-time-mean")
    link = page.get_by_role("link", name=f"Download {LEAD} as CSV")
    answer = page.request.get(served.url + (link.get_attribute("href") or ""))
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text())))
    assert [r["value"] for r in rows] == ["194400", "176400", "", "993600"]

    # A bad zone is said beside its field and nothing is drawn
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("'tz' must be an IANA time zone").first).to_be_visible()
    expect(page.get_by_role("img")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "insights-bad-zone")


def test_a_requester_has_no_link_and_gets_a_403(desk: Desk) -> None:
    requester = signed_in(desk, desk.requester.name)
    assert not parse(requester.get("/releases").text).all("a", href=f"{requester.prefix}/insights")
    assert requester.get("/insights").status_code == 403
    assert requester.get("/insights/export.csv?metric=lead_time").status_code == 403
    technician = signed_in(desk, desk.technician.name)
    assert technician.get("/insights").status_code == 200
    bad = technician.get("/insights/export.csv?metric=lead_time&from=2026-03-02")
    assert bad.status_code == 400 and "is required (a date such as 2026-03-01)" in bad.text
