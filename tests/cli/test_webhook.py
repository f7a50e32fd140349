"""releasedesk webhook add | list | remove (issue 24): the same rules as /api/v1/webhooks, the
secret printed once, refusals named, audited as the CLI."""

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
    return {
        "RELEASEDESK_DATABASE_URL": database_url,
        "RELEASEDESK_VAR_DIR": str(tmp_path),
        "RELEASEDESK_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }


def test_add_list_and_remove(desk: Desk, cli_env: dict[str, str]) -> None:
    added = invoke(
        cli_env,
        "webhook", "add", "http://127.0.0.1:9/hooks", "--event", "release.closed",
        "--event", "approval.decided", "--description", "Chat", "--portal", desk.portal,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    webhook_id = added.output.split()[1]
    secret = added.output.split()[-1]
    assert secret.startswith("whsec_")

    listed = invoke(cli_env, "webhook", "list", "--portal", desk.portal)
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[0].split() == ["id", "url", "events", "state", "description"]
    assert "release.closed, approval.decided" in listed.output and "enabled" in listed.output
    assert secret not in listed.output

    api = desk.client.get(
        f"/app/{desk.portal}/api/v1/webhooks", headers={"authtoken": desk.admin.key}
    ).json()["webhooks"]
    assert [(str(w["id"]), w["description"]) for w in api] == [(webhook_id, "Chat")]

    removed = invoke(cli_env, "webhook", "remove", webhook_id, "--portal", desk.portal)
    assert removed.exit_code == 0, removed.output
    assert (
        "http://127.0.0.1:9"
        not in invoke(cli_env, "webhook", "list", "--portal", desk.portal).output
    )

    audit = invoke(cli_env, "audit", "list", "--portal", desk.portal)
    assert "webhook_created" in audit.output and "webhook_deleted" in audit.output
    assert "cli:" in audit.output and secret not in audit.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["http://10.0.0.5/hooks", "--event", "release.closed"], "(url)"),
        (["ftp://127.0.0.1/hooks", "--event", "release.closed"], "(url)"),
        (["http://127.0.0.1:9/hooks", "--event", "release.eaten"], "(events)"),
    ],
)
def test_refusals_name_their_field(
    desk: Desk, cli_env: dict[str, str], args: list[str], field: str
) -> None:
    refused = invoke(cli_env, "webhook", "add", *args, "--portal", desk.portal)
    assert refused.exit_code == 1
    assert field in refused.output
