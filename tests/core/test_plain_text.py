"""One-line plain text: control characters are refused (PostgreSQL cannot store a NUL, and
none belongs in a title or name); tabs and every printable character stay."""

from __future__ import annotations

import pytest

from releasedesk.core.errors import Invalid
from releasedesk.core.text import plain_line


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f"])
def test_control_characters_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(Invalid) as refused:
        plain_line(bad, "title")
    assert refused.value.field == "title"
    assert "control characters" in refused.value.message


@pytest.mark.parametrize("good", ["Été release", "tab\tinside", "emoji 🚀", "  trimmed  "])
def test_printable_text_and_tabs_stay(good: str) -> None:
    assert plain_line(good, "title") == good.strip()
