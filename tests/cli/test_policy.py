"""releasedesk policy add | list | remove (issue 23, item 1): the same rules as the API,
refusals naming their field, audited as the CLI."""

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
        "policy", "add", "CAB default", "--remind-after", "PT4H", "--remind-every", "P1D",
        "--remind-max", "3", "--escalate-after", "P2D", "--escalate-to", "Heather Graham",
        "--timeout-after", "P3D", "--timeout-action", "reject", "--warn-before", "PT4H",
        "--min-approvals", "2", "--forbid-self-approval", "--timezone", "Europe/Berlin",
        "--days", "MO,TU,WE,TH,FR", "--hours", "09:00-17:00", "--holiday", "2026-12-24",
        "--portal", desk.portal,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "the portal's default" in added.output
    policy_id = added.output.split()[2]
    staged = invoke(
        cli_env, "policy", "add", "Quick review", "--stage", "Review", "--remind-after", "PT2S",
        "--portal", desk.portal,
    )  # fmt: skip
    assert staged.exit_code == 0, staged.output

    listed = invoke(cli_env, "policy", "list", "--portal", desk.portal)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "applies"]
    assert any("CAB default" in line and "reject after P3D" in line for line in lines)
    assert any("Quick review" in line and "stage Review" in line for line in lines)

    api = desk.client.get(
        f"/app/{desk.portal}/api/v1/approval_policies", headers={"authtoken": desk.admin.key}
    )
    by_name = {p["name"]: p for p in api.json()["approval_policies"]}
    assert by_name["CAB default"]["business_hours"]["holidays"] == ["2026-12-24"]
    assert by_name["CAB default"]["escalation_approvers"] == [{"name": "Heather Graham"}]

    removed = invoke(cli_env, "policy", "remove", policy_id, "--portal", desk.portal)
    assert removed.exit_code == 0, removed.output
    assert "CAB default" not in invoke(cli_env, "policy", "list", "--portal", desk.portal).output
    audit = invoke(cli_env, "audit", "list", "--portal", desk.portal)
    assert "approval_policy_created" in audit.output and "approval_policy_deleted" in audit.output
    assert "cli:" in audit.output


def test_refusals_name_their_field(desk: Desk, cli_env: dict[str, str]) -> None:
    cases = [
        (["--remind-after", "soon"], "(reminder.first_after)"),
        (["--stage", "Nowhere"], "(applies_to.stage)"),
        (["--escalate-after", "PT1H"], "(escalation_approvers)"),
        (["--timeout-after", "PT1H", "--timeout-action", "shrug"], "(timeout.action)"),
        (["--timezone", "Mars/Olympus"], "(business_hours.timezone)"),
        (["--hours", "17:00-09:00"], "(business_hours.end)"),
    ]
    for extra, named in cases:
        result = invoke(cli_env, "policy", "add", "Bad", *extra, "--portal", desk.portal)
        assert result.exit_code != 0, (extra, result.output)
        assert named in result.output, (extra, result.output)
