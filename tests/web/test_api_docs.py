"""The API docs in Chromium: /docs links each API's interactive docs by name, and each docs
page renders its dialect's document with Swagger UI from the package alone. Every request
the browser makes is intercepted: one leaving the test server fails the test (the docs
must work offline, with no CDN), and so does any console error (a script or style the
page's Content-Security-Policy refused shows there)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, Route, expect

from tests.helpers import Desk
from tests.served import Served
from tests.web.browser import NARROW, assert_accessible, screenshot, set_width

pytestmark = pytest.mark.one_database  # nothing here depends on the database

APIS = [  # (slug, link name, where its document is, below a portal's prefix)
    ("sdp", "ServiceDesk Plus v3", "/api/v3/openapi.json"),
    ("ucr", "UrbanCode Release", "/openapi.json"),
    ("flexdeploy", "FlexDeploy", "/flexdeploy/rest/v1/openapi.json"),
]


# An operation's summary as Swagger UI names its button ("GET /releases/{release_id} Get a
# release"); a slash is escaped, as Playwright sends a pattern's source between slashes.
OPERATION = re.compile(r"^GET \/releases\/\{release_id\} ")
# Swagger UI renders SDP's document (400 kB, 130 operations) in a second or two when idle,
# and keeps the page's one thread busy meanwhile (no query of the page answers): a loaded
# test machine needs longer, and only an operation that never shows is a failure.
RENDERED_MS = 60_000
DEEP_LINK_NOTICE = "Deprecated: escaping deep link whitespace with `_` is unsupported"


@dataclass
class Offline:
    """What the page asked for: the requests let through to the test server, the ones
    refused for leaving it, and the console's errors."""

    origin: str
    local: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/") or url.startswith("data:"):
            self.local.append(url)
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        # Swagger UI logs this as an error whenever a deep link's operation id holds an
        # underscore (ours all do, as FastAPI's would); it opens the operation all the same.
        if message.type == "error" and not message.text.startswith(DEEP_LINK_NOTICE):
            self.errors.append(message.text)


@pytest.fixture
def offline(page: Page, served: Served) -> Iterator[Offline]:
    watch = Offline(served.url)
    page.route("**/*", watch.route)
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield watch
    assert watch.refused == [], "the page reached beyond the server"
    assert watch.errors == [], "the page logged errors"


def test_the_docs_page_links_each_api_and_the_pages_for_people(
    page: Page, served: Served, offline: Offline
) -> None:
    response = page.goto(served.url + "/docs")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    expect(page).to_have_title("API docs — releasedesk")
    for slug, name, document in APIS:
        expect(page.get_by_role("link", name=f"{name} API docs", exact=True)).to_have_attribute(
            "href", f"/docs/{slug}"
        )
        expect(
            page.get_by_role("link", name=f"{name} OpenAPI document", exact=True)
        ).to_have_attribute("href", document)
    own = page.get_by_role("link", name="releasedesk API docs", exact=True)
    expect(own).to_have_attribute("href", "/docs/v1")
    expect(
        page.get_by_role("link", name="releasedesk OpenAPI document", exact=True)
    ).to_have_attribute("href", "/api/v1/openapi.json")
    expect(page.get_by_role("link", name="Web UI", exact=True)).to_have_attribute("href", "/ui/")
    expect(page.get_by_text("The approval link page")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "api-docs-index-1280")
    set_width(page, NARROW["width"])
    assert_accessible(page)

    page.get_by_role("link", name="FlexDeploy API docs", exact=True).click()
    expect(page).to_have_url(served.url + "/docs/flexdeploy")


# SDP's page (the slowest to render) is rendered by test_sdp_s_docs_show_input_data_as_json.
@pytest.mark.parametrize(("slug", "name", "document"), APIS[1:], ids=[api[0] for api in APIS[1:]])
def test_each_api_s_docs_render_its_document_offline(
    page: Page, served: Served, offline: Offline, slug: str, name: str, document: str
) -> None:
    response = page.goto(served.url + f"/docs/{slug}")
    assert response is not None and response.status == 200
    assert "unsafe" not in response.headers["content-security-policy"]
    expect(page).to_have_title(f"{name} API docs — releasedesk")
    operation = page.get_by_role("button", name=OPERATION)
    expect(operation).to_be_visible(timeout=RENDERED_MS)
    assert served.url + document in offline.local
    assert served.url + "/docs/static/swagger-ui-bundle.js" in offline.local


def test_sdp_s_docs_show_input_data_as_json(page: Page, served: Served, offline: Offline) -> None:
    document = httpx.get(served.url + "/api/v3/openapi.json").json()
    listing_id = document["paths"]["/releases"]["get"]["operationId"]
    response = page.goto(served.url + f"/docs/sdp#/default/{listing_id}")  # by its deep link
    assert response is not None and response.status == 200
    assert "unsafe" not in response.headers["content-security-policy"]
    expect(page).to_have_title("ServiceDesk Plus v3 API docs — releasedesk")
    parameters = page.locator(f"#operations-default-{listing_id} .parameters")
    expect(parameters.get_by_text("input_data", exact=True)).to_be_visible(timeout=RENDERED_MS)
    example = parameters.get_by_role("tabpanel", name="Example Value").get_by_role("textbox")
    expect(example).to_have_value(re.compile(r'^\{\s*"list_info": \{'))  # JSON, not a string
    parameters.get_by_role("tab", name="Schema").click(timeout=RENDERED_MS)
    schema = parameters.get_by_role("tabpanel", name="Schema")
    expect(schema).to_contain_text("list_info", timeout=RENDERED_MS)
    assert served.url + "/api/v3/openapi.json" in offline.local
    assert served.url + "/docs/static/swagger-ui-bundle.js" in offline.local


def test_a_portal_s_docs_load_that_portal_s_documents(
    page: Page, served: Served, offline: Offline, desk: Desk
) -> None:
    prefix = f"/app/{desk.portal}"
    page.goto(served.url + prefix + "/docs")
    page.get_by_role("link", name="FlexDeploy API docs", exact=True).click()
    expect(page).to_have_url(served.url + prefix + "/docs/flexdeploy")
    expect(page.get_by_role("button", name=OPERATION)).to_be_visible(timeout=RENDERED_MS)
    assert served.url + prefix + "/flexdeploy/rest/v1/openapi.json" in offline.local
    server = page.get_by_role("combobox").first
    expect(server).to_have_value(prefix + "/flexdeploy/rest/v1")  # its server
