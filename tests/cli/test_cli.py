"""The CLI against the suite's database: portals, users, keys, lookups, demo, db upgrade."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from releasedesk.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_portal_user_token_and_lookup_commands_work_together(
    cli_env: dict[str, str], client: TestClient
) -> None:
    portal = f"cli-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    code, output = invoke(cli_env, "portal", "add", portal)
    assert code == 1 and "already exists" in output

    code, output = invoke(
        cli_env,
        "user",
        "add",
        "Dana Tech",
        "--role",
        "technician",
        "--email",
        f"dana@{portal}.example.com",
        "--portal",
        portal,
    )
    assert code == 0, output
    code, output = invoke(
        cli_env, "user", "add", "Bad Role", "--role", "wizard", "--portal", portal
    )
    assert code == 1 and "role" in output

    code, output = invoke(cli_env, "token", "create", "Dana Tech", "--portal", portal)
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    assert key.startswith("rdk_") and " " not in key

    code, output = invoke(
        cli_env, "lookup", "add", "priority", "Critical", "--color", "#990000", "--portal", portal
    )
    assert code == 0, output
    code, output = invoke(
        cli_env, "lookup", "add", "subcategory", "Edge", "--parent", "Software", "--portal", portal
    )
    assert code == 0, output
    code, output = invoke(
        cli_env, "lookup", "add", "item", "Install", "--parent", "Nowhere", "--portal", portal
    )
    assert code == 1 and "Nowhere" in output

    response = client.post(
        f"/app/{portal}/api/v3/releases",
        headers={"authtoken": key},
        data={
            "input_data": '{"release": {"title": "Via CLI key", "priority": {"name": '
            '"critical"}, "category": {"name": "Software"}, '
            '"subcategory": {"name": "Edge"}}}'
        },
    )
    assert response.status_code == 201, response.text
    release = response.json()["release"]
    assert release["priority"] == {
        "color": "#990000",
        "name": "Critical",
        "id": release["priority"]["id"],
    }
    assert release["subcategory"]["name"] == "Edge"
    assert client.get("/api/v3/releases", headers={"authtoken": key}).status_code == 401


def test_demo_loads_once(cli_env: dict[str, str], client: TestClient) -> None:
    portal = f"demo-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    code, output = invoke(cli_env, "demo", "--portal", portal)
    assert code == 0 and "37 releases (one awaiting approval" in output, output
    code, output = invoke(cli_env, "demo", "--portal", portal)
    assert code == 0 and "already present" in output
    key = invoke(cli_env, "token", "create", "Maria Lopez", "--portal", portal)[1].split()[-1]
    body = client.get(
        f"/app/{portal}/api/v3/releases",
        headers={"authtoken": key},
        params={"input_data": '{"list_info": {"get_total_count": true}}'},
    ).json()
    assert body["list_info"]["total_count"] == 37
    stages = {
        r["stage"]["name"]
        for r in client.get(
            f"/app/{portal}/api/v3/releases",
            headers={"authtoken": key},
            params={"input_data": '{"list_info": {"row_count": 100}}'},
        ).json()["releases"]
    }
    assert len(stages) == 9
    heather = invoke(cli_env, "token", "create", "Heather Graham", "--portal", portal)[1]
    waiting = client.get(
        f"/app/{portal}/api/v3/releases",
        headers={"authtoken": heather.split()[-1]},
        params={"input_data": '{"list_info": {"search_fields": {"title": "Payroll year-end"}}}'},
    ).json()["releases"]
    assert len(waiting) == 1


def test_demo_sign_in_prints_fresh_passwords_that_sign_in(
    cli_env: dict[str, str], client: TestClient
) -> None:
    portal = f"demo-{uuid.uuid4().hex[:8]}"
    assert invoke(cli_env, "portal", "add", portal)[0] == 0
    code, output = invoke(cli_env, "demo", "--portal", portal, "--sign-in")
    assert code == 0, output
    lines = output.split("Demo accounts (name or email, password):", 1)[1].strip().splitlines()
    accounts = {line.strip().rsplit(None, 2)[0]: line.split()[-2] for line in lines}
    assert set(accounts) == {"administrator", "Heather Graham", "Shawn Adams"}
    password = accounts["Shawn Adams"]
    assert (
        client.get(f"/app/{portal}/api/v3/releases", auth=("Shawn Adams", password)).status_code
        == 200
    )
    again = invoke(cli_env, "demo", "--portal", portal, "--sign-in")[1]
    assert password not in again  # new ones each time


def test_db_upgrade_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    env = {
        "RELEASEDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "RELEASEDESK_VAR_DIR": str(tmp_path),
    }
    code, output = invoke(env, "db", "upgrade")
    assert code == 0, output
    assert "itdesk" in output
    assert invoke(env, "db", "upgrade")[0] == 0  # idempotent
    code, output = invoke(env, "portal", "list")
    assert output.split() == ["itdesk"]
    code, output = invoke(env, "token", "create", "administrator")
    assert code == 0 and output.strip().splitlines()[-1].startswith("rdk_")


def test_unknown_portal_is_a_clear_error(cli_env: dict[str, str]) -> None:
    code, output = invoke(cli_env, "token", "create", "administrator", "--portal", "nope")
    assert code == 1 and "nope" in output


def test_serve_s_help_names_the_three_apis_the_ui_and_the_docs() -> None:
    code, output = invoke({"COLUMNS": "100"}, "serve", "--help")
    assert code == 0, output
    for name, path in (
        ("ServiceDesk Plus v3", "/api/v3/"),
        ("UrbanCode Release", "/releases/"),
        ("FlexDeploy", "/flexdeploy/rest/v1/"),
        ("Web UI", "/ui/"),
        ("API docs", "/docs"),
    ):
        (line,) = [line for line in output.splitlines() if name in line and path in line]
        assert line, name
    code, output = invoke({"COLUMNS": "100"}, "--help")
    assert "Serve the three release APIs, the web UI and the API docs" in output, output
