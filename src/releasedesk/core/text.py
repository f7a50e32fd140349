"""Text rules: plain-text titles and comments, sanitized HTML descriptions."""

from __future__ import annotations

import html
import re

import nh3

from releasedesk.core.errors import Invalid, Mandatory
from releasedesk.core.limits import MAX_LONG_TEXT

TITLE_MAX = 250
SHORT_DESCRIPTION_MAX = 500

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "target"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "size", "face"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"style"},
}
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 and DEL, tab allowed


def unstorable(text: str) -> str | None:
    """What in `text` no database keeps alike, or None: a NUL character (PostgreSQL refuses
    it in text, SQLite keeps it) or a lone surrogate (not text; JSON escapes and Python
    literals can spell one). The one check every input path calls."""
    if "\x00" in text:
        return "a NUL character"
    if not text.isascii() and any("\ud800" <= ch <= "\udfff" for ch in text):
        return "a lone surrogate"
    return None


def plain_line(
    value: str, field: str, *, mandatory: bool = False, max_length: int = TITLE_MAX
) -> str:
    """A single line of plain text: no newlines, no control characters (a NUL cannot even be
    stored by PostgreSQL), trimmed, within `max_length`."""
    if "\n" in value or "\r" in value:
        raise Invalid(f"'{field}' must be a single line of plain text", field)
    if _CONTROL.search(value):
        raise Invalid(f"'{field}' must be plain text, without control characters", field)
    value = value.strip()
    if mandatory and not value:
        raise Mandatory(field)
    if len(value) > max_length:
        raise Invalid(f"'{field}' is longer than {max_length} characters", field)
    return value


def sanitize_html(value: str, field: str = "description") -> str:
    """Keep basic formatting; drop scripts, styles' payloads and event handlers. Longer
    than MAX_LONG_TEXT (core/limits.py) is refused naming `field`, before it is cleaned."""
    if len(value) > MAX_LONG_TEXT:
        raise Invalid(f"'{field}' is longer than {MAX_LONG_TEXT:,} characters", field)
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def html_to_text(value: str | None, max_length: int = SHORT_DESCRIPTION_MAX) -> str | None:
    """The plain text of an HTML fragment, whitespace collapsed (the short description)."""
    if value is None:
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value))).strip()
    return text[:max_length] if text else None


_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|</li>", re.IGNORECASE)


def text_to_html(value: str) -> str:
    """Plain text (as dialects without HTML send a description) as the HTML stored: the
    text escaped, its line breaks kept as <br>."""
    return "<br>".join(html.escape(line, quote=False) for line in value.splitlines())


def html_to_plain_text(value: str | None) -> str | None:
    """The whole text of a stored description, its line breaks kept (the inverse of
    `text_to_html` for what it made)."""
    if value is None:
        return None
    text = html.unescape(_TAG.sub("", _BREAK.sub("\n", value)))
    return text.strip("\n") or None


MAX_COMMENT = 4000


def comment_text(comment: str | None) -> str | None:
    """A status comment as stored: one line of plain text, or None."""
    if not comment:
        return None
    return plain_line(comment, "comment", max_length=MAX_COMMENT) or None
