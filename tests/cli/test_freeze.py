"""releasedesk freeze add | list | remove (issue 22, item 2): the same rules as the API, refusals
named, the window then refusing releases through every API, audited as the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import Result

from releasedesk.cli.main import app
from tests.cli.test_cli import runner
from tests.helpers import Desk


def invoke(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}


def test_add_list_and_remove(desk: Desk, cli_env: dict[str, str]) -> None:
    added = invoke(
        cli_env,
        "freeze", "add", "Weekends", "--reason", "No one on call", "--timezone", "Europe/Berlin",
        "--rrule", "FREQ=WEEKLY;BYDAY=SA", "--dtstart", "2026-01-03T00:00:00",
        "--duration", "PT48H", "--service", "Email", "--portal", desk.portal,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "freeze window" in added.output and "+01:00" in added.output
    window_id = added.output.split()[2]
    one_off = invoke(
        cli_env,
        "freeze", "add", "Year end", "--reason", "Books close", "--start",
        "2031-12-22T00:00:00+01:00", "--end", "2032-01-04T00:00:00+01:00", "--warn",
        "--portal", desk.portal,
    )  # fmt: skip
    assert one_off.exit_code == 0, one_off.output

    listed = invoke(cli_env, "freeze", "list", "--portal", desk.portal)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["id", "name", "effect", "when", "scope", "next"]
    assert any("Weekends" in line and "Email" in line and "block" in line for line in lines)
    assert any("Year end" in line and "warn" in line and "all releases" in line for line in lines)

    api = desk.client.get(
        f"/app/{desk.portal}/api/v1/freeze_windows", headers={"authtoken": desk.admin.key}
    )
    assert sorted(w["name"] for w in api.json()["freeze_windows"]) == ["Weekends", "Year end"]

    removed = invoke(cli_env, "freeze", "remove", window_id, "--portal", desk.portal)
    assert removed.exit_code == 0, removed.output
    listed = invoke(cli_env, "freeze", "list", "--portal", desk.portal)
    assert "Weekends" not in listed.output

    audit = invoke(cli_env, "audit", "list", "--portal", desk.portal)
    assert "freeze_window_created" in audit.output and "freeze_window_deleted" in audit.output
    assert "cli:" in audit.output


def test_refusals_name_their_field(desk: Desk, cli_env: dict[str, str]) -> None:
    cases = [
        (["--start", "2031-01-02T00:00:00Z", "--end", "2031-01-01T00:00:00Z"], "(end)"),
        (["--start", "2031-01-01T00:00:00", "--end", "2031-01-02T00:00:00Z"], "(start)"),
        (
            [
                "--timezone",
                "Mars/Olympus",
                "--start",
                "2031-01-01T00:00:00Z",
                "--end",
                "2031-01-02T00:00:00Z",
            ],
            "(timezone)",
        ),
        (
            ["--rrule", "FREQ=SECONDLY", "--dtstart", "2031-01-01T00:00:00", "--duration", "PT1S"],
            "(rrule)",
        ),
        (
            [
                "--start",
                "2031-01-01T00:00:00Z",
                "--end",
                "2031-01-02T00:00:00Z",
                "--service",
                "Nope",
            ],
            "(scope.services)",
        ),
    ]
    for extra, named in cases:
        result = invoke(
            cli_env, "freeze", "add", "Bad", "--reason", "r", *extra, "--portal", desk.portal
        )
        assert result.exit_code == 1, (extra, result.output)
        assert f"error {named}" in result.output, result.output
    missing = invoke(cli_env, "freeze", "remove", "999999", "--portal", desk.portal)
    assert missing.exit_code == 1 and "No freeze window" in missing.output
