"""Someone deactivated gets no new work and no new key; names outside ASCII are found and
kept unique in any case the database can fold."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from releasedesk.cli.main import app
from tests.api.sdp.support import error_of
from tests.helpers import Desk


def run_cli(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_a_deactivated_technician_cannot_be_given_work_or_a_key(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    rid = desk.create_release()["id"]
    code, _ = run_cli(
        database_url, tmp_path, "user", "deactivate", desk.technician.name, "--portal", desk.portal
    )
    assert code == 0
    assigned = desk.put(
        f"/releases/assign?ids={rid}",
        input_data={"release": {"release_engineer": {"name": desk.technician.name}}},
    )
    assert assigned.status_code == 400
    assert error_of(assigned)["field"] == "release_engineer"
    task = desk.post(
        f"/releases/{rid}/tasks",
        input_data={"task": {"title": "Patch", "owner": {"name": desk.technician.name}}},
    )
    assert task.status_code == 400 and error_of(task)["field"] == "owner"
    code, output = run_cli(
        database_url, tmp_path, "token", "create", desk.technician.name, "--portal", desk.portal
    )
    assert code == 1 and "deactivated" in output


def test_names_outside_ascii_are_found_and_unique(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    code, _ = run_cli(
        database_url,
        tmp_path,
        "user",
        "add",
        "ÉMILE Zola",
        "--role",
        "technician",
        "--portal",
        desk.portal,
    )
    assert code == 0
    code, output = run_cli(
        database_url, tmp_path, "token", "create", "ÉMILE Zola", "--portal", desk.portal
    )
    assert code == 0, output
    code, output = run_cli(
        database_url,
        tmp_path,
        "user",
        "add",
        "ÉMILE ZOLA",
        "--role",
        "technician",
        "--portal",
        desk.portal,
    )
    assert code == 1 and "already exists" in output


def test_an_expiry_beyond_the_calendar_is_a_clear_refusal(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    for expires in ("9999-12-31", "99999999999d"):
        code, output = run_cli(
            database_url,
            tmp_path,
            "token",
            "create",
            desk.admin.name,
            "--portal",
            desk.portal,
            "--expires",
            expires,
        )
        assert code == 1, output
        assert "Traceback" not in output and "expires" in output
