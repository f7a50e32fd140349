"""The web UI's static files and templates: served from the package, nothing from another
site, and a stylesheet whose every block closes (a lost brace silently drops every rule
after it: it hid the calendar's agenda rules once)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import Desk
from tests.web.web_client import WebUser

WEB = Path(__file__).resolve().parents[2] / "src" / "releasedesk" / "web"


def test_the_stylesheet_closes_every_block_before_the_next_section() -> None:
    depth = 0
    for number, line in enumerate((WEB / "static" / "app.css").read_text().splitlines(), 1):
        if line.startswith("/* ---"):
            assert depth == 0, f"app.css:{number}: a block is still open where '{line}' begins"
        depth += line.count("{") - line.count("}")
        assert 0 <= depth <= 2, f"app.css:{number}: braces out of balance"
    assert depth == 0


def test_nothing_is_loaded_from_another_site() -> None:
    remote = re.compile(r"""(src|href)=["']?(https?:)?//""", re.IGNORECASE)
    for path in [*WEB.rglob("*.html"), WEB / "static" / "app.css", WEB / "static" / "app.js"]:
        text = path.read_text()
        assert not remote.search(text), f"{path.name} loads something from another site"
        assert "@import" not in text, path.name


def test_static_files_come_from_the_package(desk: Desk) -> None:
    browser = WebUser(desk)
    for name, kind in (("htmx.min.js", "javascript"), ("app.js", "javascript"), ("app.css", "css")):
        response = browser.get(f"static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert response.headers["x-content-type-options"] == "nosniff"
    assert browser.get("static/../app.py").status_code == 404
