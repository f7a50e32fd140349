"""kill -9 mid-load, three times, on the suite's database (a SQLite file or PostgreSQL).

One `releasedesk serve` process with its mail sender delivering to a real SMTP server
(aiosmtpd on 127.0.0.1); concurrent SDP clients create a release, add an approval level,
send the approval (its mail goes to the outbox) and approve or reject it as the approver.
The server is SIGKILLed at a random point of that load, and once while the SMTP server
holds the reply to a mail it has taken (the sender dies before recording the delivery).
After each restart every write, send and decision the clients were acknowledged is in the
database; at the end every outbox mail reached the SMTP server, and a mail that went twice
carried one Message-ID both times. The figures go to the test's output (-s).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.models import Approval, ApprovalLevel, ApprovalLink, OutboxMail, Release
from releasedesk.db.session import Database
from tests.api.sdp.approvals_support import approvals_path
from tests.conftest import BACKEND, own_database
from tests.durability import Acknowledged, ServerProcess, Work, load, wait_for
from tests.helpers import Person
from tests.mail_sink import SmtpServer

KILLS = 3
CLIENTS = 4
SMTP_TIMEOUT_SECONDS = 3.0  # a killed sender's mails go again after two (its lease)
ACKS_BEFORE_A_KILL = (24, 72)  # a random count of acknowledged writes in this range
LOAD_SECONDS_LIMIT = 20.0
DRAIN_SECONDS_LIMIT = 30.0
STATUS_AFTER = {"approve": "approved", "reject": "rejected"}
LINK_ID = re.compile(r"/approval/([0-9]+)\.")
T = TypeVar("T")


@dataclass(frozen=True)
class Desk:
    """A portal of the test's own database: an admin and the approvers, with their keys."""

    url: str
    portal: str
    portal_id: int
    admin: Person
    approvers: list[Person]

    @property
    def base(self) -> str:
        return f"/app/{self.portal}/api/v3"

    def read(self, action: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def reading() -> T:
            database = Database(self.url)
            try:
                async with database.unit_of_work(writes=False) as session:
                    return await action(session)
            finally:
                await database.dispose()

        return asyncio.run(reading())


def desk_in(url: str, approvers: int) -> Desk:
    async def setup() -> Desk:
        database = Database(url)
        try:
            async with database.unit_of_work() as session:
                portal = await portals.create_portal(session, "killnine")
                people: list[Person] = []
                for n in range(approvers + 1):
                    name = "Ada Admin" if n == 0 else f"Approver {n}"
                    user = await users.add_user(
                        session,
                        portal_id=portal.id,
                        name=name,
                        role="admin" if n == 0 else "technician",
                        email_id=f"{name.replace(' ', '.').lower()}@killnine.example.com",
                    )
                    key = await users.create_api_key(session, user=user)
                    people.append(Person(user.id, name, key))
                return Desk(url, portal.name, portal.id, people[0], people[1:])
        finally:
            await database.dispose()

    return asyncio.run(setup())


def approval_work(desk: Desk) -> Work:
    """One release through its approval: create, add a level, send, decide."""
    admin = {"authtoken": desk.admin.key}
    approvers = desk.approvers

    def sdp(input_data: object) -> dict[str, str]:
        return {"input_data": json.dumps(input_data)}

    def work(client: httpx.Client, n: int, acked: Acknowledged) -> None:
        approver = approvers[n % len(approvers)]
        title = f"Kill nine {n} {uuid.uuid4().hex[:8]}"
        created = client.post(
            f"{desk.base}/releases", params=sdp({"release": {"title": title}}), headers=admin
        )
        if not acked.answered(created):
            return
        release_id = created.json()["release"]["id"]
        acked.note("release", (release_id, title))
        level_body = {
            "name": "CAB",
            "release_stage": {"name": "submission"},
            "rule": {"type": "anyone"},
            "approvals": [{"approver": {"id": str(approver.id)}}],
        }
        added = client.post(
            f"{desk.base}/releases/{release_id}/approval_levels",
            params=sdp({"approval_level": level_body}),
            headers=admin,
        )
        if not acked.answered(added):
            return
        level = added.json()["approval_level"]
        approval_id = level["approvals"][0]["id"]
        acked.note("approval", approval_id)
        path = f"{desk.base}{approvals_path(release_id, level['id'])}/{approval_id}"
        if not acked.answered(client.put(f"{path}/_send_notification", headers=admin)):
            return
        acked.note("sent", approval_id)
        verdict = random.choice(list(STATUS_AFTER))
        comments = f"{verdict} {uuid.uuid4().hex[:8]}"
        decided = client.put(
            f"{path}/_{verdict}",
            params=sdp({"approval": {"comments": comments}}),
            headers={"authtoken": approver.key},
        )
        if acked.answered(decided):
            acked.note("decision", (approval_id, STATUS_AFTER[verdict], comments))

    return work


@dataclass(frozen=True)
class Stored:
    releases: dict[str, str]  # id -> title
    approvals: dict[str, tuple[str, str | None, str | None]]  # id -> status, comments, via
    mails: list[tuple[int, str, str, bool, int | None]]  # id, approval id, to, delivered, link


def stored_in(desk: Desk) -> Stored:
    async def read(session: AsyncSession) -> Stored:
        releases = await session.execute(
            select(Release.id, Release.title).where(Release.portal_id == desk.portal_id)
        )
        approvals = await session.execute(
            select(Approval.id, Approval.status, Approval.comments, Approval.decided_via)
            .join(ApprovalLevel, ApprovalLevel.id == Approval.level_id)
            .join(Release, Release.id == ApprovalLevel.release_id)
            .where(Release.portal_id == desk.portal_id)
        )
        mails = await session.execute(
            select(
                OutboxMail.id,
                ApprovalLink.approval_id,
                OutboxMail.recipient,
                OutboxMail.delivered_on,
                OutboxMail.approval_link_id,
            )
            .join(ApprovalLink, ApprovalLink.id == OutboxMail.approval_link_id)
            .where(OutboxMail.portal_id == desk.portal_id)
        )
        return Stored(
            releases={str(i): t for i, t in releases},
            approvals={str(i): (s, c, v) for i, s, c, v in approvals},
            mails=[(i, str(a), r, d is not None, link) for i, a, r, d, link in mails],
        )

    return desk.read(read)


def check_acknowledged(desk: Desk, acked: Acknowledged) -> dict[str, int]:
    """Every acknowledged write is stored as acknowledged; how many of each were checked."""
    stored = stored_in(desk)
    releases = acked.of("release")
    for release_id, title in releases:  # type: ignore[misc]
        assert stored.releases.get(release_id) == title, f"release {release_id} lost"
    approvals = acked.of("approval")
    for approval_id in approvals:
        assert approval_id in stored.approvals, f"approval {approval_id} lost"
    sent = acked.of("sent")
    mails_of = Counter(approval for _, approval, _, _, _ in stored.mails)
    for approval_id, times in Counter(sent).items():
        assert mails_of[str(approval_id)] >= times, f"the mail of approval {approval_id} lost"
        assert stored.approvals[str(approval_id)][0] != "to_be_sent", approval_id
    decisions = acked.of("decision")
    for approval_id, status, comments in decisions:  # type: ignore[misc]
        assert stored.approvals[approval_id] == (status, comments, "api"), approval_id
    return {
        "releases": len(releases),
        "approvals": len(approvals),
        "sends": len(sent),
        "decisions": len(decisions),
    }


@pytest.fixture
def sink() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: no other test's outbox for its server to deliver."""
    with own_database(request.config.stash[BACKEND], tmp_path) as url:
        yield url


def test_kill_nine_mid_load_loses_no_acknowledged_write_decision_or_mail(
    own_url: str, backend_name: str, sink: SmtpServer, tmp_path: Path
) -> None:
    desk = desk_in(own_url, CLIENTS)
    addresses = {f"{p.name.replace(' ', '.').lower()}@killnine.example.com" for p in desk.approvers}
    server = ServerProcess(
        own_url,
        tmp_path,
        {
            "RELEASEDESK_SMTP_URL": sink.url,
            "RELEASEDESK_SMTP_TIMEOUT_SECONDS": str(SMTP_TIMEOUT_SECONDS),
            "RELEASEDESK_MAIL_SENDER": "1",
            "RELEASEDESK_BASE_URL": "https://releasedesk.example.org",
        },
    )
    acked = Acknowledged()
    checked: list[dict[str, int]] = []
    server.start()
    try:
        with load(server.url, CLIENTS, approval_work(desk), acked) as running:
            for kill in range(KILLS):
                if kill == 1:  # the sender dies between the SMTP server's taking a mail and
                    sink.inbox.hold_next(addresses)  # the delivery's record: the mail goes twice
                    wait_for(sink.inbox.held.is_set, LOAD_SECONDS_LIMIT, "a mail to hold")
                else:
                    before = acked.total() + random.randint(*ACKS_BEFORE_A_KILL)
                    wait_for(lambda: acked.total() >= before, LOAD_SECONDS_LIMIT, "load")
                assert running.is_set(), "a client failed"
                server.kill()
                sink.inbox.release()
                server.start()
                checked.append(check_acknowledged(desk, acked))
            after = acked.total() + ACKS_BEFORE_A_KILL[0]  # the last server serves too
            wait_for(lambda: acked.total() >= after, LOAD_SECONDS_LIMIT, "load after the kills")

        # every mail the outbox holds reaches the SMTP server, each copy with its row's id
        def drained() -> bool:
            return all(delivered for _, _, _, delivered, _ in stored_in(desk).mails)

        wait_for(drained, DRAIN_SECONDS_LIMIT, "every outbox mail delivered", every=0.5)
        final = check_acknowledged(desk, acked)
    finally:
        server.stop()

    mails = stored_in(desk).mails
    row_of_link = {link: mail_id for mail_id, _, _, _, link in mails}
    recipient_of = {mail_id: to for mail_id, _, to, _, _ in mails}
    ids_of_row: dict[int, set[str]] = defaultdict(set)
    copies_of_row: Counter[int] = Counter()
    for rcpt, message in sink.inbox.snapshot():
        found = LINK_ID.search(message.get_content())
        assert found is not None, message
        row = row_of_link[int(found.group(1))]
        assert rcpt == [recipient_of[row]]
        ids_of_row[row].add(str(message["Message-ID"]))
        copies_of_row[row] += 1
    assert set(copies_of_row) == set(recipient_of), "a mail of the outbox never arrived"
    assert all(len(ids) == 1 for ids in ids_of_row.values()), ids_of_row  # one id per row
    assert len({next(iter(ids)) for ids in ids_of_row.values()}) == len(mails)  # distinct
    twice = sum(1 for copies in copies_of_row.values() if copies > 1)
    assert twice >= 1  # the held mail went again after the kill, with its Message-ID

    assert not acked.server_errors, acked.server_errors
    assert server.kills == KILLS
    assert "Traceback" not in server.output(), server.output()[-5000:]
    print(
        f"\nkill -9 on {backend_name}: {server.kills} kills, {final} acknowledged and checked "
        f"(checks after each restart: {checked}), {len(mails)} mails delivered, "
        f"{sum(copies_of_row.values())} copies received, {twice} sent twice with one "
        f"Message-ID, {acked.unanswered} requests cut off, refused {dict(acked.refused)}; "
        f"starts took {server.start_seconds} s; at {dt.datetime.now(dt.UTC):%H:%M:%S}"
    )
