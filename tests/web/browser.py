"""What browser tests share: Debian's Chromium and how to start it, and the checks every page
gets (accessibility by axe-core, no sideways scroll, a screenshot to look at).

Playwright drives /usr/bin/chromium (Debian's package, `make test` installs it), never a
browser of Playwright's own download: that cannot be fetched here. Without the
background-networking flags Chromium reaches out at start, and this closed network refuses it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
NARROW: ViewportSize = {"width": 390, "height": 844}  # a phone held upright
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def set_width(page: Page, width: int) -> None:
    """Resize the page's viewport to `width` CSS pixels, keeping its height."""
    height = (page.viewport_size or DESKTOP)["height"]
    page.set_viewport_size({"width": width, "height": height})


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG at test-artifacts/NAME.png (repo root), for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


_axe_source: str | None = None


def _inject_axe(page: Page) -> None:
    """axe-core in the page. By evaluation, not page.add_script_tag: our pages send
    `Content-Security-Policy: default-src 'none'`, which blocks an injected <script>, and the
    browser tests keep that policy enforced (no bypass_csp) so a page breaking it shows."""
    global _axe_source
    if page.evaluate("typeof window.axe === 'object'"):
        return
    if _axe_source is None:
        _axe_source = AXE.read_text(encoding="utf-8")
    page.evaluate(_axe_source)


def _violation_text(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    return (
        f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"  {violation['helpUrl']}\n" + "".join(f"  at {target}\n" for target in targets)
    )


def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation on the page as it is now."""
    _inject_axe(page)
    violations: list[dict[str, Any]] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(results => results.violations)",
        WCAG_TAGS,
    )
    if violations:
        width = (page.viewport_size or DESKTOP)["width"]
        raise AssertionError(
            f"axe-core: {len(violations)} accessibility violation(s) on {page.url} "
            f"at {width} px:\n" + "".join(_violation_text(v) for v in violations)
        )


_OVERFLOW = """() => {
  const root = document.documentElement;
  const viewport = root.clientWidth;  // the window less any vertical scrollbar
  const wide = [];
  if (root.scrollWidth > viewport) {
    const clips = el => getComputedStyle(el).overflowX !== 'visible';
    const inside = el => {  // in a scroll container ([role=region]) or a clipping box
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (clips(up)) return true;
      }
      return false;
    };
    const right = el => {  // its box, or the content spilling out of it
      const box = el.getBoundingClientRect();
      return box.left + (clips(el) ? box.width : Math.max(box.width, el.scrollWidth));
    };
    const sticksOut = el => right(el) > viewport + 0.5;
    for (const el of document.body.querySelectorAll('*')) {
      if (!sticksOut(el) || inside(el) || [...el.children].some(sticksOut)) continue;
      const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.classList.length ? '.' + [...e.classList].join('.') : '');
      const where = el.parentElement === document.body ? '' : name(el.parentElement) + ' > ';
      wide.push(`${where}${name(el)} reaches ${Math.round(right(el))} px`);
    }
  }
  return {viewport, scrollWidth: root.scrollWidth, innerWidth: window.innerWidth,
          wide: wide.slice(0, 10)};
}"""


def assert_no_sideways_scroll(page: Page) -> None:
    """The page does not scroll sideways at its current width. Something wide belongs in a
    scroll container of its own, `role="region"` with a label (axe checks those): what
    overflows inside one is allowed, since only the container scrolls."""
    found = page.evaluate(_OVERFLOW)
    if found["scrollWidth"] > min(found["viewport"], found["innerWidth"]):
        raise AssertionError(
            f"{page.url} scrolls sideways at {found['innerWidth']} px: the document is "
            f"{found['scrollWidth']} px wide, the viewport {found['viewport']} px\n"
            + "".join(f"  {line}\n" for line in found["wide"])
        )
