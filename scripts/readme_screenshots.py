"""Take the README's screenshots from a demo server: `python scripts/readme_screenshots.py URL
LOGIN PASSWORD` (e.g. after `make serve`, with a demo account it printed). Writes
docs/images/releases-list.png and docs/images/release-page.png with Debian's Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def main(url: str, login: str, password: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url.rstrip("/") + "/ui/")
        page.get_by_label("Name or email").fill(login)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", level=1, name="Releases").wait_for()
        page.screenshot(path=str(IMAGES / "releases-list.png"))
        page.get_by_role("link", name="Payroll year-end tax tables").click()
        page.get_by_role("heading", level=1).wait_for()
        page.screenshot(path=str(IMAGES / "release-page.png"))
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
