"""The browser checks catch what they are for: a page they pass is not passed for nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.web.browser import assert_accessible, assert_no_sideways_scroll

HEAD = '<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
WIDE = '<div id="wide" style="width:2000px">wide</div>'


def test_assert_accessible_lists_each_violation(page: Page) -> None:
    page.set_content(HEAD + '<button id="nameless"></button><img src="x.png"></main>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    text = str(failure.value)
    assert "button-name (critical)" in text and "at #nameless" in text
    assert "image-alt (critical)" in text and "at img" in text
    page.set_content(HEAD + '<button id="named">Go</button></main>')
    assert_accessible(page)


def test_assert_no_sideways_scroll_names_what_sticks_out(page: Page) -> None:
    page.set_content(HEAD + WIDE + "</main>")
    with pytest.raises(AssertionError, match=r"(?s)scrolls sideways.*main > div#wide reaches"):
        assert_no_sideways_scroll(page)


def test_a_scrolling_region_may_hold_something_wide(page: Page) -> None:
    region = '<div role="region" aria-label="Wide" tabindex="0" style="overflow-x:auto">'
    page.set_content(HEAD + region + WIDE + "</div></main>")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
