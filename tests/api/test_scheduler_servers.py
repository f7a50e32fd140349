"""Two `releasedesk serve` processes on one database, each running the approval scheduler
(issue 23, item 6): levels sent through either server remind, and time out, exactly as
their policy says, each action done once by one of the two, on real time (a reminder due
in a second goes within a second or so, not at a coarse poll)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from releasedesk.core.approval_policies import service as policies
from releasedesk.core.approval_policies.service import PolicySpec, ReminderSpec, TimeoutSpec
from releasedesk.core.audit.views import AuditActor
from releasedesk.core.freezes.service import Operator
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.models import ApprovalLevel, ApprovalScheduledAction, OutboxMail
from releasedesk.db.session import Database
from tests.conftest import BACKEND, own_database
from tests.durability import ServerProcess, wait_for

LEVELS = 6
REMINDERS = 3


@pytest.fixture
def own_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: only its actions in the queue."""
    with own_database(request.config.stash[BACKEND], tmp_path) as url:
        yield url


def setup(url: str) -> tuple[str, str, int]:
    """A portal with an admin (their key) and an approver, and a policy reminding every
    second three times and rejecting after six seconds: (portal, admin key, approver id)."""

    async def go() -> tuple[str, str, int]:
        database = Database(url)
        try:
            async with database.unit_of_work() as session:
                portal = await portals.create_portal(session, "twoservers")
                admin = await users.add_user(
                    session, portal_id=portal.id, name="Ada Admin", role="admin",
                    email_id="ada@twoservers.example.com",
                )  # fmt: skip
                approver = await users.add_user(
                    session, portal_id=portal.id, name="Tim Tech", role="technician",
                    email_id="tim@twoservers.example.com",
                )  # fmt: skip
                key = await users.create_api_key(session, user=admin)
                await policies.create_policy(
                    session,
                    Operator(portal.id, AuditActor(None, "test")),
                    PolicySpec(
                        name="Fast",
                        reminder=ReminderSpec("PT1S", "PT1S", REMINDERS),
                        timeout=TimeoutSpec("PT6S", "reject"),
                    ),
                )
                return portal.name, key, approver.id
        finally:
            await database.dispose()

    return asyncio.run(go())


def send_level(server: ServerProcess, portal: str, key: str, approver_id: int) -> str:
    """A release with one level of the approver, sent: its title."""
    base = f"{server.url}/app/{portal}/api/v3"
    headers = {"authtoken": key}

    def sdp(body: object) -> dict[str, str]:
        return {"input_data": json.dumps(body)}

    title = f"Two servers {uuid.uuid4().hex[:8]}"
    with httpx.Client(timeout=60) as client:
        made = client.post(
            f"{base}/releases", params=sdp({"release": {"title": title}}), headers=headers
        )
        assert made.status_code == 201, made.text
        rid = made.json()["release"]["id"]
        level = client.post(
            f"{base}/releases/{rid}/approval_levels",
            params=sdp(
                {
                    "approval_level": {
                        "name": "CAB",
                        "release_stage": {"name": "submission"},
                        "rule": {"type": "anyone"},
                        "approvals": [{"approver": {"id": str(approver_id)}}],
                    }
                }
            ),
            headers=headers,
        ).json()["approval_level"]
        path = f"{base}/releases/{rid}/approval_levels/{level['id']}/approvals"
        sent = client.put(
            f"{path}/{level['approvals'][0]['id']}/_send_notification", headers=headers
        )
        assert sent.status_code == 200, sent.text
    return title


def queue(url: str) -> tuple[list[ApprovalScheduledAction], list[OutboxMail], list[ApprovalLevel]]:
    async def go() -> tuple[list[ApprovalScheduledAction], list[OutboxMail], list[ApprovalLevel]]:
        database = Database(url)
        try:
            async with database.unit_of_work(writes=False) as session:
                done = list((await session.execute(select(ApprovalScheduledAction))).scalars())
                mails = list((await session.execute(select(OutboxMail))).scalars())
                levels = list((await session.execute(select(ApprovalLevel))).scalars())
                return done, mails, levels
        finally:
            await database.dispose()

    return asyncio.run(go())


def test_two_servers_run_the_scheduler_and_each_action_happens_once(
    own_url: str, tmp_path: Path
) -> None:
    portal, key, approver_id = setup(own_url)
    env = {"RELEASEDESK_MAIL_SENDER": "0", "RELEASEDESK_APPROVAL_SCHEDULER": "1"}
    servers = [ServerProcess(own_url, tmp_path / name, env) for name in ("a", "b")]
    for server in servers:
        server.worker.log.parent.mkdir(parents=True, exist_ok=True)
        server.start()
    try:
        titles = [send_level(servers[n % 2], portal, key, approver_id) for n in range(LEVELS)]

        def all_done() -> bool:
            actions, _mails, _levels = queue(own_url)
            timeouts = [a for a in actions if a.kind == "timeout"]
            return len(timeouts) == LEVELS and all(a.done_on for a in actions)

        wait_for(all_done, 60, "every level reminded three times and timed out")
    finally:
        for server in servers:
            server.stop()
    actions, mails, levels = queue(own_url)
    kinds = Counter(a.kind for a in actions)
    assert kinds == {"reminder": LEVELS * REMINDERS, "timeout": LEVELS}
    reminders = Counter(m.subject for m in mails if m.subject.startswith("Reminder"))
    assert reminders == {f"Reminder: your approval of {t}": REMINDERS for t in titles}
    assert all(level.status == "rejected" for level in levels)
    print("actions done per runner:", Counter(a.claimed_by for a in actions))
    for action in actions:  # each went within a couple of seconds of being due
        assert action.done_on is not None
        assert (action.done_on - action.due_at).total_seconds() < 3, action.outcome
