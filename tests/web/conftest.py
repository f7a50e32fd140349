"""Fixtures for tests in a real browser: one headless Chromium for all of tests/web
(`browser`), a fresh context and page per test (`page` at 1280x800, `narrow_page` at 390 px),
and the app served over TCP on the suite's database (`served`, from tests/served.py).

No /usr/bin/chromium: these tests fail under CI=true (a CI without its browser must not pass
quietly) and are skipped elsewhere; `make test` installs Debian's chromium first.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.served import served_fixture  # noqa: F401  (the `served` fixture)
from tests.web.browser import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    DESKTOP,
    NARROW,
    screenshot,
)

ACTION_TIMEOUT_MS = 10_000  # our pages are local: a wait this long is a failure, say so early


@pytest.fixture(scope="package")
def browser(database_url: str) -> Iterator[Browser]:
    """Debian's Chromium, headless, started once for all of tests/web (under a second idle).

    Playwright's sync API keeps an event loop running on the main thread while it is
    started, so asyncio.run() there fails: the browser starts after the suite's database is
    made (asyncio.run on PostgreSQL, hence `database_url`) and ends with this package, before
    tests elsewhere or the database's drop. In these tests, reach async code through the
    `run` fixture (the app's own loop, on its thread), not asyncio.run().
    """
    if not os.access(CHROMIUM, os.X_OK):
        message = (
            f"{CHROMIUM} is missing: browser tests drive Debian's Chromium "
            "(`make test` installs it: apt-get install chromium; never `playwright install`)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so `page` can tell the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _context(
    browser: Browser, request: pytest.FixtureRequest, viewport: ViewportSize
) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            with contextlib.suppress(Exception):  # a closed page, a crashed renderer
                screenshot(page, f"failed-{request.node.name}")  # what the page showed
        context.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a context of its own (no cookies shared between tests), 1280x800."""
    yield from _context(browser, request, DESKTOP)


@pytest.fixture
def narrow_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a context of its own, 390 px wide (a phone held upright)."""
    yield from _context(browser, request, NARROW)
