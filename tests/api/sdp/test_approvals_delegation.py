"""Approvers away with a delegate (over the API for admins, and by the CLI): approvals sent in
the period go to the delegate with original_approver set, the delegate may decide the
approver's pending ones, and the period ends by itself. The CLI's portal policy too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from releasedesk.cli.main import app as cli
from releasedesk.db.models import ApproverAbsence
from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approval_of,
    decide,
    decided,
    in_unit_of_work,
    outbox,
    refused,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk, Person

IN_TWO_WEEKS = dt.datetime.now(dt.UTC) + dt.timedelta(weeks=2)


def ms(moment: dt.datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def away(desk: Desk, user: Person, delegate: Person, key: str | None = None) -> Any:
    return desk.put(
        f"{desk.base}/users/{user.id}/away",
        key=key,
        input_data={
            "away": {"delegate": {"name": delegate.name}, "until": {"value": ms(IN_TWO_WEEKS)}}
        },
    )


def test_an_approval_sent_while_away_goes_to_the_delegate(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    response = away(desk, approver, deputy)
    assert response.status_code == 200, response.text
    period = response.json()["away"]
    assert (period["user"]["name"], period["delegate"]["name"]) == (approver.name, deputy.name)
    assert period["until"]["value"] == ms(IN_TWO_WEEKS)
    shown = desk.get(f"{desk.base}/users/{approver.id}/away").json()["away"]
    assert shown["delegate"]["id"] == str(deputy.id)

    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    aid = level["approvals"][0]["id"]
    assert approval_of(desk, rid, level["id"], aid)["original_approver"] is None  # not yet sent
    sent(desk, rid, level["id"], aid)
    approval = approval_of(desk, rid, level["id"], aid)
    assert approval["approver"]["name"] == deputy.name
    assert approval["original_approver"]["name"] == approver.name
    (mail,) = outbox(desk)
    assert mail.recipient.startswith(deputy.name.replace(" ", ".").lower())
    assert f"sent to {deputy.name} (delegate of {approver.name}, who is away)" in " ".join(
        h["description"] for h in history_of(desk, rid)
    )
    refused(decide(desk, rid, level["id"], aid, "approve", approver.key), 403, 4002)
    decided(desk, rid, level["id"], aid, "approve", deputy.key)


def test_a_delegate_decides_what_was_sent_before_the_approver_left(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    refused(decide(desk, rid, level["id"], aid, "approve", deputy.key), 403, 4002)
    assert away(desk, approver, deputy).status_code == 200
    flags = desk.get(f"/releases/{rid}/get_permissions", key=deputy.key).json()["get_permissions"]
    assert flags["-1"]["approve"] is True
    decided(desk, rid, level["id"], aid, "reject", deputy.key)
    approval = approval_of(desk, rid, level["id"], aid)
    assert approval["approver"]["name"] == approver.name  # asked of them; decided for them
    expected = f"Rejected by {deputy.name} as delegate of {approver.name}"
    assert any(
        h["description"] == f"{expected} (approval level 1, Submission)"
        for h in history_of(desk, rid)
    )


def test_the_away_period_ends_by_itself_and_can_end_early(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    assert away(desk, approver, deputy).status_code == 200

    async def time_passes(session: AsyncSession) -> None:
        await session.execute(
            update(ApproverAbsence)
            .where(ApproverAbsence.user_id == approver.id)
            .values(ends_on=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )

    in_unit_of_work(desk, time_passes)
    assert desk.get(f"{desk.base}/users/{approver.id}/away").json()["away"] is None
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    assert approval_of(desk, rid, level["id"], aid)["approver"]["name"] == approver.name
    refused(decide(desk, rid, level["id"], aid, "approve", deputy.key), 403, 4002)

    assert away(desk, approver, deputy).status_code == 200
    cleared = desk.request("DELETE", f"{desk.base}/users/{approver.id}/away")
    assert cleared.status_code == 200 and cleared.json()["away"] is None
    refused(decide(desk, rid, level["id"], aid, "approve", deputy.key), 403, 4002)


def test_a_delegate_already_approving_on_the_level_keeps_one_vote(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    assert away(desk, approver, deputy).status_code == 200
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=[approver, deputy])
    first = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], first)
    approval = approval_of(desk, rid, level["id"], first)
    assert approval["approver"]["name"] == approver.name
    assert approval["original_approver"] is None
    # Nor may the deputy decide the approval they would stand in for: one vote each.
    refused(decide(desk, rid, level["id"], first, "approve", key=deputy.key), 403, 4002)
    assert approval_of(desk, rid, level["id"], first)["status"]["name"] == "Pending Approval"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"away": {"delegate": {"name": "Nobody At All"}, "until": "4102444800000"}}, 4007,
         "delegate"),
        ({"away": {"until": "4102444800000"}}, 4012, "delegate"),
        ({"away": {"delegate": {"name": "Ada Admin"}}}, 4012, "until"),
        ({"away": {"delegate": {"name": "Ada Admin"}, "until": "1000"}}, 4016, "until"),
        ({"away": {"delegate": {"name": "Ada Admin"}, "until": "4102444800000",
                   "back": True}}, 4001, "back"),
    ],
)  # fmt: skip
def test_away_periods_refused_naming_the_field(
    desk: Desk, body: dict[str, Any], code: int, field: str
) -> None:
    status = 404 if code == 4007 else 400
    refused(
        desk.put(f"{desk.base}/users/{desk.technician.id}/away", input_data=body),
        status,
        code,
        field,
    )


def test_only_admins_set_who_is_away(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    refused(away(desk, approver, deputy, key=approver.key), 403, 4002)
    refused(away(desk, approver, deputy, key=desk.technician.key), 403, 4002)
    refused(desk.get(f"{desk.base}/users/{approver.id}/away", key=desk.technician.key), 403, 4002)
    refused(away(desk, approver, approver), 400, 4001, "delegate")
    refused(desk.get(f"{desk.base}/users/999999999/away"), 404, 4007, "user")


# --- the CLI --------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_user_away_from_the_cli(desk: Desk, cli_env: dict[str, str]) -> None:
    approver, deputy = add_people(desk, 2)
    portal = ("--portal", desk.portal)
    code, output = invoke(cli_env, "user", "away", approver.name, *portal)
    assert (code, output.strip()) == (0, f"'{approver.name}' is not away")
    code, output = invoke(
        cli_env, "user", "away", approver.name, "--delegate", deputy.name, "--until", "2w", *portal
    )
    assert code == 0, output
    assert f"'{deputy.name}' decides their approvals" in output
    code, output = invoke(cli_env, "user", "away", approver.name, *portal)
    assert code == 0 and "is away from" in output
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    sent(desk, rid, level["id"], level["approvals"][0]["id"])
    assert approval_of(desk, rid, level["id"], level["approvals"][0]["id"])["approver"]["name"] == (
        deputy.name
    )
    code, output = invoke(cli_env, "user", "away", approver.name, "--clear", *portal)
    assert (code, output.strip()) == (0, f"'{approver.name}' is back")
    code, output = invoke(
        cli_env, "user", "away", approver.name, "--delegate", deputy.name, *portal
    )
    assert code == 1 and "both --delegate and --until" in output
    code, output = invoke(
        cli_env, "user", "away", approver.name, "--delegate", deputy.name, "--until", "soon",
        *portal,
    )  # fmt: skip
    assert code == 1 and "(until)" in output
    code, output = invoke(
        cli_env, "user", "away", approver.name, "--delegate", deputy.name, "--until",
        "2020-01-01", *portal,
    )  # fmt: skip
    assert code == 1 and "past" in output


def test_portal_set_forbid_self_approval_from_the_cli(desk: Desk, cli_env: dict[str, str]) -> None:
    code, output = invoke(cli_env, "portal", "set", desk.portal)
    assert (code, output.strip()) == (0, f"portal '{desk.portal}': self-approval allowed")
    code, output = invoke(cli_env, "portal", "set", desk.portal, "--forbid-self-approval")
    assert (code, output.strip()) == (0, f"portal '{desk.portal}': self-approval forbidden")
    rid = desk.create_release(key=desk.technician.key)["id"]
    level = add_level(desk, rid)
    added = desk.post(
        f"/releases/{rid}/approval_levels/{level['id']}/approvals",
        input_data={"approval": {"approver": {"name": desk.technician.name}}},
    )
    refused(added, 400, 4001, "approver")
    code, output = invoke(cli_env, "portal", "set", desk.portal, "--allow-self-approval")
    assert code == 0 and "allowed" in output
    code, output = invoke(cli_env, "portal", "set", "no-such-portal", "--forbid-self-approval")
    assert code == 1 and "does not exist" in output
