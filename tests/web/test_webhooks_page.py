"""The Webhooks page in Chromium, as an administrator uses it: a private address refused
beside the URL; a subscription to a receiver on 127.0.0.1 made, its signing secret shown
once; a release created, its delivery (sent by a sender on the suite's database, as
`releasedesk serve` runs one) in the log with its answer; redelivered one by one and by
time; settings changed, disabled and enabled, the secret rotated, then deleted after a
confirmation. A technician sees no link and gets a 403. Every page is checked by axe-core
at 1280 and 390 px, for sideways scrolling, and photographed into test-artifacts/. Over
HTTP: the log's pages, and refusals beside their fields."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete
from standardwebhooks.webhooks import Webhook
from starlette.testclient import TestClient

from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.core.webhooks.sender import WebhookSender
from releasedesk.db.models import WebhookSubscription
from releasedesk.db.session import Database
from tests.helpers import Desk
from tests.served import Served
from tests.web.accounts_helpers import labelled, signed_in
from tests.web.browser import (
    DESKTOP,
    NARROW,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
    set_width,
)
from tests.web.html_tree import parse
from tests.web.web_client import give_password
from tests.webhook_receiver import Answer, Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture
def hooks(client: TestClient, desk: Desk) -> Iterator[None]:
    """The test's subscriptions (and deliveries) leave with it, so no later sender finds
    them due."""
    yield

    async def clean() -> None:
        async with desk.database.unit_of_work() as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.portal_id == desk.portal_id)
            )

    client.portal.call(clean)


def deliver(client: TestClient, later: dt.timedelta = dt.timedelta(0)) -> int:
    """One round of a webhook sender on the suite's database (the served app runs none),
    its clock `later` than now (a retry's time come)."""
    config: WebhookConfig = client.app.state.webhooks  # type: ignore[attr-defined]
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    sender = WebhookSender(
        database, config, random=lambda: 0.5, clock=lambda: dt.datetime.now(dt.UTC) + later
    )
    try:
        return client.portal.call(sender.deliver_due)
    finally:
        client.portal.call(sender.close)


def looked_at(page: Page, name: str) -> None:
    """axe-core and the reflow check at desktop and phone widths, and a screenshot of each."""
    for width, suffix in ((DESKTOP["width"], "1280"), (NARROW["width"], "390")):
        set_width(page, width)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
        screenshot(page, f"webhooks-{name}-{suffix}")
    set_width(page, DESKTOP["width"])


def sign_in(page: Page, served: Served, desk: Desk, login: str, password: str) -> None:
    page.goto(f"{served.url}/app/{desk.portal}/ui/sign-in")
    page.get_by_label("Name or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Releases")).to_be_visible()


def beside(page: Page, label: str, says: str) -> None:
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(re.escape(says)))
    expect(page).to_have_title(re.compile(r"^Error: "))


def test_an_administrator_subscribes_sees_deliveries_and_redelivers(
    page: Page, served: Served, desk: Desk, client: TestClient, receiver: Receiver, hooks: None
) -> None:
    sign_in(page, served, desk, desk.admin.name, "admin-pass")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1, name="Webhooks")).to_be_visible()
    expect(page.get_by_role("heading", name="No webhooks")).to_be_visible()
    looked_at(page, "empty")

    # A private address is the core's refusal, beside the URL; what was typed is kept.
    form = page.get_by_role("region", name="Create a webhook")
    form.get_by_label("URL").fill("http://10.1.2.3/hooks")
    form.get_by_label("Description").fill("Release channel")
    events = form.get_by_role("group", name="Events")
    events.get_by_label("release.created").check()
    form.get_by_role("button", name="Create webhook").click()
    beside(page, "URL", "10.1.2.3")
    expect(page.get_by_label("Description")).to_have_value("Release channel")
    expect(page.get_by_label("release.created")).to_be_checked()
    looked_at(page, "refused")

    # No event chosen: said beside the group.
    page.get_by_label("release.created").uncheck()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_role("button", name="Create webhook").click()
    expect(page.get_by_role("group", name="Events")).to_have_accessible_description(
        re.compile("Choose at least one event")
    )

    # Made, by keyboard: the secret is shown once.
    page.get_by_label("release.created").focus()
    page.keyboard.press("Space")
    page.get_by_label("release.updated").check()
    page.get_by_role("button", name="Create webhook").press("Enter")
    secret_field = page.get_by_role("textbox", name="Signing secret")
    expect(secret_field).to_have_attribute("readonly", "")
    secret = secret_field.input_value()
    assert secret.startswith("whsec_")
    listed = page.get_by_role("row").filter(has=page.get_by_role("link", name=receiver.url))
    expect(listed).to_contain_text("Enabled")
    expect(listed).to_contain_text("release.created, release.updated")
    looked_at(page, "created")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("textbox", name="Signing secret")).to_have_count(0)
    assert secret not in page.content()

    # A release change is delivered (at the second attempt), and shows in the log with
    # every attempt's answer.
    receiver.answer(
        Answer(500, body=b"busy"), Answer(200, {"x-api-key": "hidden"}, b"<b>thanks</b>")
    )
    made = desk.create_release(title="Payroll 2.1")
    assert deliver(client) >= 1
    assert deliver(client, dt.timedelta(seconds=10)) >= 1  # the schedule's first wait: 5 s
    first = receiver.received[-1]
    assert first.json()["type"] == "release.created"
    assert Webhook(secret).verify(first.body, first.headers)["data"]["release"]["id"] == int(
        made["id"]
    )
    page.get_by_role("link", name=receiver.url).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Webhook to {receiver.url}")
    log = page.get_by_role("region", name="Delivery log")
    expect(log).to_contain_text("release.created")
    expect(log).to_contain_text("Succeeded")
    log.get_by_text("2 attempts: answers and headers").click()
    attempts = log.locator(".attempt")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(0)).to_contain_text("Attempt 1")
    expect(attempts.nth(0)).to_contain_text("HTTP 500")
    expect(attempts.nth(0)).to_contain_text("next attempt")
    expect(attempts.nth(0).locator("pre").first).to_have_text("busy")
    expect(attempts.nth(1)).to_contain_text("HTTP 200")
    expect(attempts.nth(1).locator("pre").first).to_have_text("<b>thanks</b>")  # as text
    expect(log).to_contain_text("x-api-key: [redacted]")
    expect(log).to_contain_text("webhook-signature: v1,")
    looked_at(page, "log")

    # Redelivered: the same event again, a new delivery.
    log.get_by_role("button", name="Redeliver").first.click()
    expect(page.get_by_role("status")).to_contain_text("queued again")
    assert deliver(client) >= 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [first.headers["webhook-id"]] * 3
    page.reload()
    expect(page.get_by_role("region", name="Delivery log").locator("tbody")).to_have_count(2)

    # A failure, then "Redeliver failed deliveries since".
    receiver.answer(*[Answer(410)])
    desk.create_release(title="Payroll 2.2")
    deliver(client)
    page.reload()
    expect(page.locator("p.release-state")).to_contain_text("Disabled")
    expect(page.get_by_text("the endpoint answered 410 Gone")).to_be_visible()
    expect(page.get_by_role("button", name="Redeliver")).to_have_count(0)
    expect(page.get_by_text("enable it to redeliver what it missed")).to_be_visible()
    looked_at(page, "disabled")
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_role("status")).to_contain_text("was enabled")
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Redeliver failed deliveries since").fill(since)
    page.get_by_role("button", name="Redeliver failed deliveries").click()
    expect(page.get_by_role("status")).to_contain_text("1 failed delivery was queued again")
    deliver(client)
    assert [r.json()["data"]["release"]["title"] for r in receiver.received][-1] == "Payroll 2.2"  # type: ignore[index]

    # Settings: the events changed.
    settings = page.get_by_role("region", name="Settings")
    settings.get_by_label("release.updated").uncheck()
    settings.get_by_label("release.closed").check()
    settings.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("settings were saved")
    expect(page.locator("dl.summary")).to_contain_text("release.created, release.closed")

    # The secret rotated: shown once, with the grace explained.
    page.get_by_role("button", name="Rotate secret").first.click()
    expect(page.locator("details.dialog[open] .dialog-body")).to_contain_text("24 hours")
    page.locator("details.dialog[open] .dialog-body").get_by_role(
        "button", name="Rotate secret"
    ).click()
    rotated = page.get_by_role("textbox", name="Signing secret").input_value()
    assert rotated.startswith("whsec_") and rotated != secret
    expect(page.get_by_role("region", name="New signing secret")).to_contain_text(
        "previous secret's signature too"
    )
    looked_at(page, "rotated")

    # Deleted, after a confirmation.
    page.get_by_role("button", name="Delete webhook").click()
    dialog = page.locator("details.dialog[open] .dialog-body")
    expect(dialog).to_contain_text(f"Delete the webhook to {receiver.url}?")
    dialog.get_by_role("button", name="Delete webhook").click()
    expect(page.get_by_role("status")).to_contain_text("was deleted")
    expect(page.get_by_role("heading", name="No webhooks")).to_be_visible()


def test_a_technician_has_no_webhooks_page(page: Page, served: Served, desk: Desk) -> None:
    give_password(desk, desk.technician.name, "tech-pass")
    sign_in(page, served, desk, desk.technician.name, "tech-pass")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Webhooks")).to_have_count(0)
    ui = f"{served.url}/app/{desk.portal}/ui"
    assert page.request.get(f"{ui}/webhooks").status == 403
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value") or ""
    forged = page.request.post(
        f"{ui}/webhooks",
        form={"csrf_token": token, "url": "https://example.com/", "events": "release.created"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "Only an administrator can" in forged.text()


def test_the_log_pages_and_refusals_are_said_beside_their_fields(desk: Desk, hooks: None) -> None:
    """Over HTTP: 20 deliveries a page, "Older deliveries" keyed by the last one shown; a
    private URL and a moment to come refused beside their fields, nothing changed."""
    made = desk.client.post(
        f"/app/{desk.portal}/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["release.created"]},
        headers={"authtoken": desk.admin.key},
    )
    assert made.status_code == 201, made.text
    webhook = made.json()["id"]
    for n in range(21):  # pending: no sender runs here
        desk.create_release(title=f"Release {n}")
    browser = signed_in(desk)
    first = browser.page(f"/webhooks/{webhook}")
    rows = first.all("tbody", class_="delivery")
    assert len(rows) == 20
    assert all("Pending" in row.text for row in rows)
    older = first.one("a", text="Older deliveries").attrs["href"]
    assert "Newest deliveries" not in first.text
    second = browser.page(older.removeprefix(browser.prefix))
    assert len(second.all("tbody", class_="delivery")) == 1
    assert second.one("a", text="Newest deliveries")
    assert "Older deliveries" not in second.text

    refused = browser.post(
        f"/webhooks/{webhook}",
        {"url": "http://10.0.0.1/hooks", "events": "release.closed", "description": "Moved"},
    )
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "private address" in page.by_id("url-error").text
    assert labelled(page, "Description").attrs["value"] == "Moved"  # kept
    answer = desk.client.get(
        f"/app/{desk.portal}/api/v1/webhooks/{webhook}", headers={"authtoken": desk.admin.key}
    ).json()
    assert answer["url"] == "http://127.0.0.1:9/hooks" and answer["events"] == ["release.created"]

    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = browser.post(f"/webhooks/{webhook}/redeliver", {"since": later})
    assert refused.status_code == 422
    assert "Enter a time in the past" in parse(refused.text).by_id("since-error").text
    assert browser.get("/webhooks/nine").status_code == 404
