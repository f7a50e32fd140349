"""docs/deploying.md's settings table and the settings class list the same variables (issue
21, item 6): a setting added to one and not the other fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from releasedesk.settings import Environment, Settings

pytestmark = pytest.mark.one_database  # nothing here depends on the database

DOC = Path(__file__).parent.parent / "docs" / "deploying.md"


def documented() -> list[str]:
    table = DOC.read_text().split("## Settings", 1)[1]
    return re.findall(r"^\| `(RELEASEDESK_[A-Z_]+)` \|", table, flags=re.M)


def test_the_table_lists_every_setting_once() -> None:
    names = documented()
    assert len(names) == len(set(names))
    declared = {"RELEASEDESK_" + name.upper() for name in Environment.model_fields}
    assert set(names) == declared


def test_a_dotenv_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "RELEASEDESK_MAIL_FROM=from-dotenv@example.com\nRELEASEDESK_LOG_FORMAT=json\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RELEASEDESK_MAIL_FROM", raising=False)
    monkeypatch.setenv("RELEASEDESK_LOG_FORMAT", "plain")
    monkeypatch.setenv("RELEASEDESK_SECRET_KEY", "k" * 40)
    settings = Settings.from_env()
    assert settings.mail_from == "from-dotenv@example.com"
    assert settings.log_format == "plain"


def test_several_bad_values_are_each_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASEDESK_DB_POOL_SIZE", "0")
    monkeypatch.setenv("RELEASEDESK_LOG_FORMAT", "xml")
    with pytest.raises(ValueError) as refused:
        Settings.from_env()
    message = str(refused.value)
    assert "RELEASEDESK_DB_POOL_SIZE" in message and "RELEASEDESK_LOG_FORMAT" in message
    assert "'xml'" in message
