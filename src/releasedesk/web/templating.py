"""The Jinja2 environment of the web UI: templates shipped in the package, every value
autoescaped, and the filters that turn core values into words (dates with their zone,
priorities with a shape beside the colour)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

PRIORITY_SHAPES = {"high": "▲▲", "urgent": "▲▲▲", "medium": "▲", "normal": "▲", "low": "▼"}


def precise(value: dt.datetime | None) -> str:
    """A date and time with its zone, never ambiguous: "5 Dec 2026, 14:00 UTC"."""
    if value is None:
        return ""
    utc = value.astimezone(dt.UTC)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC"


def day(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    utc = value.astimezone(dt.UTC)
    return f"{utc.day} {utc:%b %Y}"


def relative(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """Past times in words ("3 hours ago"); older than a month, the date."""
    if value is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    seconds = int((now - value).total_seconds())
    if seconds < 0:
        return precise(value)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        count = seconds // size
        if count >= 1:
            if unit == "day" and count > 30:
                return day(value)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def when(value: dt.datetime | None) -> Markup:
    """A past moment as a <time>: relative in words, the precise date in its title."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.astimezone(dt.UTC).isoformat(), precise(value), relative(value)
    )


def at(value: dt.datetime | None) -> Markup:
    """A scheduled moment as a <time>, precise, with its zone."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        value.astimezone(dt.UTC).isoformat(), precise(value)
    )


def local_input(value: dt.datetime | None) -> str:
    """The value of a datetime-local input (UTC, to the minute)."""
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def priority(name: str | None) -> Markup:
    if not name:
        return Markup("")
    shape = PRIORITY_SHAPES.get(name.lower(), "")
    css = name.lower() if name.lower() in PRIORITY_SHAPES else "other"
    return Markup(
        '<span class="priority priority-{}"><span aria-hidden="true">{}</span> {}</span>'
    ).format(css, shape, name)


def slug(text: str) -> str:
    """A CSS class word from a value ("In Progress" → "in-progress")."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def make_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("releasedesk.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    filters: dict[str, Any] = {
        "precise": precise,
        "day": day,
        "relative": relative,
        "when": when,
        "at": at,
        "local_input": local_input,
        "priority": priority,
        "slug": slug,
    }
    environment.filters.update(filters)
    return environment


ENVIRONMENT = make_environment()
