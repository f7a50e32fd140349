"""Approval mail through a real SMTP server (aiosmtpd on 127.0.0.1): the recipient, subject,
filled placeholders and a link that works; nothing lost while the server is down (also
across a restart of the sender), nothing sent twice by several senders; a sender that dies
mid-delivery leaves its mails to go again within two SMTP timeouts, with the same
Message-ID; no server configured means logged and marked delivered; the sender runs inside
the served app."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.app import create_app, mail_sender
from releasedesk.core.notifications.sender import Backoff, Sender
from releasedesk.db.models import User
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approval_of,
    in_unit_of_work,
    link_paths,
    outbox,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk
from tests.mail_sink import SmtpServer
from tests.served import _bound_socket, _wait_started

BASE_URL = "https://releasedesk.example.org"
LINK = re.compile(re.escape(BASE_URL) + r"(/approval/[0-9]+\.[A-Za-z0-9_-]+)")
DEADLINE_SECONDS = 60.0


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def settings_for(desk: Desk, smtp_url: str | None) -> Settings:
    settings: Settings = desk.client.app.state.settings  # type: ignore[attr-defined]
    return dataclasses.replace(settings, smtp_url=smtp_url, base_url=BASE_URL)


def drain(desk: Desk, sender: Sender, now: dt.datetime | None = None) -> int:
    """Rounds until nothing due is left (other tests' mails may be queued before ours)."""
    total = 0
    while True:
        delivered = desk.client.portal.call(sender.deliver_due, now)
        total += delivered
        if delivered < sender.batch:
            return total


def email_of(desk: Desk, person_id: int) -> str:
    async def read(session: AsyncSession) -> str:
        return str(
            (await session.execute(select(User.email_id).where(User.id == person_id))).scalar_one()
        )

    return in_unit_of_work(desk, read)


def one_sent_approval(desk: Desk) -> tuple[str, dict[str, Any], str, str]:
    """A release titled with markup, a level, the technician's approval sent: (release id,
    level, approval id, the technician's address)."""
    rid = desk.create_release(title="Payroll <b>upgrade</b> & rollout")["id"]
    level = add_level(desk, rid, approvers=[desk.technician])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    return rid, level, aid, email_of(desk, desk.technician.id)


def test_the_mail_reaches_the_smtp_server_and_its_link_decides(
    desk: Desk, smtp: SmtpServer
) -> None:
    rid, level, aid, address = one_sent_approval(desk)
    sender = mail_sender(settings_for(desk, smtp.url), desk.database)
    assert drain(desk, sender) >= 1

    (mail,) = smtp.inbox.to(address)
    assert mail["To"] == address
    assert mail["From"] == "releasedesk@localhost"
    assert mail["Subject"] == "Recommendation required for a Release"
    body = mail.get_content()
    assert body.startswith(
        "Ada Admin has requested your recommendations for this Release - "
        "Payroll <b>upgrade</b> & rollout. Click here to view Release details "
        f"{BASE_URL}/approval/"
    )
    assert "${" not in body
    (stored,) = outbox(desk)
    assert stored.delivered_on is not None and stored.attempts == 0
    assert BASE_URL not in stored.body  # the stored mail holds no working link

    found = LINK.search(body)
    assert found is not None
    page = desk.client.get(found.group(1))
    assert page.status_code == 200
    assert "Payroll &lt;b&gt;upgrade&lt;/b&gt; &amp; rollout" in page.text  # escaped
    assert "<b>upgrade</b>" not in page.text
    assert approval_of(desk, rid, level["id"], aid)["status"]["name"] == "Pending Approval"
    decided = desk.client.post(found.group(1), data={"decision": "approve", "comments": "fine"})
    assert decided.status_code == 200, decided.text
    assert "Your decision has been recorded" in decided.text
    approval = approval_of(desk, rid, level["id"], aid)
    assert (approval["status"]["name"], approval["comments"]) == ("Approved", "fine")
    assert any(
        h["description"]
        == "Approved by Heather Graham via mail link (approval level 1, Submission)"
        for h in history_of(desk, rid)
    )


def test_a_mail_queued_while_the_server_is_down_goes_out_once_after_a_restart(
    desk: Desk,
) -> None:
    down = SmtpServer()  # its port has no server yet
    _, _, _, address = one_sent_approval(desk)
    sender = mail_sender(settings_for(desk, down.url), desk.database)
    drain(desk, sender)
    (mail,) = outbox(desk)
    assert mail.delivered_on is None and mail.attempts == 1
    assert mail.last_error and mail.next_attempt_on > mail.created_on
    assert drain(desk, sender) == 0  # not due again before its backoff
    assert outbox(desk)[0].attempts == 1

    down.start()
    try:
        # a new process: its own engine, its own sender, the same outbox
        async def restarted() -> None:
            database = Database(desk.database.url)
            try:
                fresh = mail_sender(settings_for(desk, down.url), database)
                later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
                while await fresh.deliver_due(later) == fresh.batch:
                    pass
                await fresh.deliver_due(later)  # and again: nothing more
            finally:
                await database.dispose()

        desk.client.portal.call(restarted)
    finally:
        down.stop()
    assert len(down.inbox.to(address)) == 1
    (mail,) = outbox(desk)
    assert mail.delivered_on is not None and mail.last_error is None


def test_backoff_doubles_from_ten_seconds_up_to_an_hour() -> None:
    backoff = Backoff()
    waits = [backoff.after(n).total_seconds() for n in range(1, 12)]
    assert waits[:4] == [10, 20, 40, 80]
    assert waits[-1] == 3600 and max(waits) == 3600


def test_several_senders_deliver_each_mail_once(desk: Desk, smtp: SmtpServer) -> None:
    people = add_people(desk, 10)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=people)
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    addresses = [email_of(desk, p.id) for p in people]

    async def race() -> None:
        databases = [Database(desk.database.url) for _ in range(3)]
        try:
            senders = [mail_sender(settings_for(desk, smtp.url), d) for d in databases]
            for sender in senders:
                sender.batch = 2  # small claims, so the senders interleave
            while sum(await asyncio.gather(*(s.deliver_due() for s in senders))):
                pass
        finally:
            for database in databases:
                await database.dispose()

    desk.client.portal.call(race)
    assert [len(smtp.inbox.to(a)) for a in addresses] == [1] * len(addresses)
    assert all(m.delivered_on is not None for m in outbox(desk))


class ProcessDied(Exception):
    """Stands for a kill -9 of the sender's process at the point it is raised."""


def test_a_sender_that_dies_after_the_server_took_a_mail_leaves_it_to_go_again_with_its_message_id(
    desk: Desk, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, _, address = one_sent_approval(desk)
    settings = dataclasses.replace(settings_for(desk, smtp.url), smtp_timeout_seconds=1.0)
    dying = mail_sender(settings, desk.database)
    delivering = dying._deliver

    async def deliver_then_die(message: EmailMessage) -> str | None:
        assert await delivering(message) is None  # the SMTP server took it...
        raise ProcessDied  # ...and the process died before recording the delivery

    monkeypatch.setattr(dying, "_deliver", deliver_then_die)
    died_at = dt.datetime.now(dt.UTC)
    with pytest.raises(ProcessDied):
        desk.client.portal.call(dying.deliver_due, died_at)
    assert outbox(desk)[0].delivered_on is None

    restarted = mail_sender(settings, desk.database)  # its claim lasts two SMTP timeouts
    assert drain(desk, restarted, died_at + dt.timedelta(seconds=1.5)) == 0  # still claimed
    assert drain(desk, restarted, died_at + dt.timedelta(seconds=2.5)) >= 1

    first, again = smtp.inbox.to(address)
    assert first["Message-ID"] == again["Message-ID"]  # the copy folds in a mail client
    assert first["Date"] == again["Date"] and first["Subject"] == again["Subject"]
    assert outbox(desk)[0].delivered_on is not None
    assert drain(desk, restarted, died_at + dt.timedelta(hours=1)) == 0
    assert len(smtp.inbox.to(address)) == 2


def test_a_live_sender_keeps_its_claim_through_a_round_longer_than_the_lease(
    desk: Desk, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = add_people(desk, 3)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=people)
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    addresses = [email_of(desk, p.id) for p in people]
    settings = dataclasses.replace(settings_for(desk, smtp.url), smtp_timeout_seconds=1.0)

    async def race() -> None:
        databases = [Database(desk.database.url) for _ in range(2)]
        try:
            slow, eager = (mail_sender(settings, d) for d in databases)
            delivering = slow._deliver

            async def slowly(message: EmailMessage) -> str | None:
                await asyncio.sleep(0.8)  # three mails: 2.4 s, past the 2 s lease
                return await delivering(message)

            monkeypatch.setattr(slow, "_deliver", slowly)
            round_of_three = asyncio.create_task(slow.deliver_due())
            await asyncio.sleep(0.2)  # the slow sender has claimed all three
            while not round_of_three.done():
                await eager.deliver_due()
                await asyncio.sleep(0.1)
            assert await round_of_three >= 3
        finally:
            for database in databases:
                await database.dispose()

    desk.client.portal.call(race)
    assert [len(smtp.inbox.to(a)) for a in addresses] == [1, 1, 1]


def test_the_smtp_timeout_comes_from_the_environment_and_sets_the_lease(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RELEASEDESK_SMTP_TIMEOUT_SECONDS", raising=False)
    assert Settings.from_env().smtp_timeout_seconds == 60
    monkeypatch.setenv("RELEASEDESK_SMTP_TIMEOUT_SECONDS", "2.5")
    settings = Settings.from_env()
    assert settings.smtp_timeout_seconds == 2.5
    sender = mail_sender(settings, desk.database)
    assert (sender.timeout_seconds, sender.lease) == (2.5, dt.timedelta(seconds=5))
    for bad in ("0", "-1", "soon", "7200"):
        monkeypatch.setenv("RELEASEDESK_SMTP_TIMEOUT_SECONDS", bad)
        with pytest.raises(ValueError, match="RELEASEDESK_SMTP_TIMEOUT_SECONDS"):
            Settings.from_env()


def test_smtp_credentials_come_from_the_url(desk: Desk) -> None:
    server = SmtpServer(authenticator=None, auth_require_tls=False)
    server.options["authenticator"] = server.inbox.authenticate
    server.start()
    try:
        _, _, _, address = one_sent_approval(desk)
        url = f"smtp://approvals%40desk:p%40ss%20w0rd@127.0.0.1:{server.port}"
        drain(desk, mail_sender(settings_for(desk, url), desk.database))
    finally:
        server.stop()
    assert server.inbox.logins[-1] == (b"approvals@desk", b"p@ss w0rd")
    assert len(server.inbox.to(address)) == 1


def test_without_an_smtp_server_the_mail_is_logged_and_marked_delivered(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    _, _, approval_id, address = one_sent_approval(desk)
    with caplog.at_level(logging.INFO, logger="releasedesk.mail"):
        drain(desk, mail_sender(settings_for(desk, None), desk.database))
    (mail,) = outbox(desk)
    assert mail.delivered_on is not None
    logged = [r.getMessage() for r in caplog.records if address in r.getMessage()]
    assert len(logged) == 1
    assert "no SMTP server configured" in logged[0]
    assert "Subject: Recommendation required for a Release" in logged[0]
    # the body decoded: its link is one line a reader can open
    link = re.search(r"(https?://\S+/approval/\S+)", logged[0])
    assert link is not None, logged[0]
    assert "/approval/" + link.group(1).split("/approval/", 1)[1] in link_paths(desk, approval_id)


def test_the_sender_runs_inside_the_served_app(desk: Desk, smtp: SmtpServer) -> None:
    settings = dataclasses.replace(settings_for(desk, smtp.url), mail_sender=True)
    sock = _bound_socket()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_started(server, thread)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}{desk.base}"
        rid = desk.create_release()["id"]
        level = add_level(desk, rid, approvers=[desk.technician])
        aid = level["approvals"][0]["id"]
        with httpx.Client(headers={"authtoken": desk.admin.key}, timeout=60) as client:
            response = client.put(
                f"{base}/releases/{rid}/approval_levels/{level['id']}/approvals/{aid}"
                "/_send_notification"
            )
        assert response.status_code == 200, response.text
        address = email_of(desk, desk.technician.id)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not smtp.inbox.to(address) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.should_exit = True
        thread.join(timeout=DEADLINE_SECONDS)
        sock.close()
    assert len(smtp.inbox.to(address)) == 1
    assert not thread.is_alive()  # the lifespan stopped the sender
