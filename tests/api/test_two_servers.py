"""Several servers, one PostgreSQL (issue 21, item 5): two `releasedesk serve` processes on
two ports, each with two workers, sharing one database and one RELEASEDESK_SECRET_KEY, agree
on everything a deployment behind a load balancer relies on (docs/deploying.md):

- a web session made on one is good on the other;
- a mail queued through one is delivered once, though four senders (two per server) run;
- failed sign-ins are counted across both, so the throttle holds whichever server is asked;
- concurrent closes of one release through both close it once;
- a key revoked through one's web UI is refused by the other within the documented bound.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import ApiKey, User
from tests.api.sdp.approvals_support import add_level
from tests.api.sdp.support import history_of
from tests.helpers import Desk
from tests.mail_sink import SmtpServer
from tests.web.web_client import PASSWORD, csrf_of, give_password
from tests.workers import serve_workers

REVOKED_READS_REFUSED_WITHIN_SECONDS = 0.5  # docs/architecture.md, "Auth cache"
MAIL_DEADLINE_SECONDS = 60.0
SIGN_IN_LIMIT = 6


@pytest.fixture
def smtp() -> SmtpServer:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def read(desk: Desk, statement: object) -> object:
    async def run() -> object:
        async with desk.database.unit_of_work(writes=False) as session:
            assert isinstance(session, AsyncSession)
            return (await session.execute(statement)).scalar_one()  # type: ignore[call-overload]

    return desk.client.portal.call(run)


def sign_in(client: httpx.Client, ui: str, login: str) -> None:
    form = client.get(f"{ui}/sign-in")
    answer = client.post(
        f"{ui}/sign-in",
        data={"csrf_token": csrf_of(form.text), "login": login, "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text
    assert not answer.headers["location"].endswith("/sign-in")


def test_two_servers_on_one_postgresql_agree(
    desk: Desk, database_url: str, tmp_path: Path, backend_name: str, smtp: SmtpServer
) -> None:
    if backend_name != "postgresql":
        pytest.skip("servers on several hosts share PostgreSQL; SQLite is one host's file")
    give_password(desk, desk.technician.name)
    env = {
        "RELEASEDESK_SECRET_KEY": "two-servers-share-this-secret-key-0123456789",
        "RELEASEDESK_SMTP_URL": smtp.url,
        "RELEASEDESK_SIGN_IN_USER_LIMIT": str(SIGN_IN_LIMIT),
    }
    with serve_workers(database_url, tmp_path, 2, workers_each=2, env=env) as (one, other):
        ui = f"/app/{desk.portal}/ui"

        # A session made by one server works on the other (the same secret key).
        with httpx.Client(timeout=30) as browser:
            sign_in(browser, one.url + ui, desk.technician.name)
            page = browser.get(f"{other.url}{ui}/releases")
            assert page.status_code == 200, page.text
            assert desk.technician.name in page.text

            # A key revoked through one server's web UI: the other refuses it within the bound.
            key = desk.technician.key
            api = f"{other.url}{desk.base}/releases"
            assert httpx.get(api, headers={"authtoken": key}).status_code == 200  # cached there
            key_id = read(desk, select(ApiKey.id).where(ApiKey.prefix == key[:12]))
            keys_page = browser.get(f"{one.url}{ui}/keys")
            revoked = browser.post(
                f"{one.url}{ui}/keys/{key_id}/revoke",
                data={"csrf_token": csrf_of(keys_page.text)},
            )
            assert revoked.status_code == 303, revoked.text
        deadline = time.monotonic() + REVOKED_READS_REFUSED_WITHIN_SECONDS
        statuses = []
        while time.monotonic() < deadline + 5:  # watch past the bound, to see when it held
            statuses.append(
                (time.monotonic(), httpx.get(api, headers={"authtoken": key}).status_code)
            )
            if statuses[-1][1] == 401:
                break
        refused_at = next(t for t, status in statuses if status == 401)
        assert refused_at <= deadline, statuses
        for _ in range(5):
            assert httpx.get(api, headers={"authtoken": key}).status_code == 401

        # A mail queued through one server goes out once, whichever of four senders takes it.
        admin = {"authtoken": desk.admin.key}
        rid = httpx.post(
            f"{one.url}{desk.base}/releases",
            headers=admin,
            data={"input_data": '{"release": {"title": "Two servers"}}'},
        ).json()["release"]["id"]
        level = add_level(desk, rid, approvers=[desk.requester])
        aid = level["approvals"][0]["id"]
        sent = httpx.put(
            f"{one.url}{desk.base}/releases/{rid}/approval_levels/{level['id']}"
            f"/approvals/{aid}/_send_notification",
            headers=admin,
            timeout=30,
        )
        assert sent.status_code == 200, sent.text
        address = str(read(desk, select(User.email_id).where(User.id == desk.requester.id)))
        deadline = time.monotonic() + MAIL_DEADLINE_SECONDS
        while not smtp.inbox.to(address) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.0)  # long enough for a second sender to have sent it too
        assert len(smtp.inbox.to(address)) == 1

        # Failed sign-ins count across both servers: the limit holds whichever is asked.
        statuses_seen = []
        for n in range(SIGN_IN_LIMIT + 4):
            server = (one, other)[n % 2]
            answer = httpx.get(
                f"{server.url}{desk.base}/releases",
                auth=(desk.requester.name, "not-the-password"),
            )
            statuses_seen.append(answer.status_code)
        assert statuses_seen == [401] * SIGN_IN_LIMIT + [429] * 4, statuses_seen

        # Concurrent closes through both servers close a release once.
        rid = httpx.post(
            f"{other.url}{desk.base}/releases",
            headers=admin,
            data={"input_data": '{"release": {"title": "Closed once"}}'},
        ).json()["release"]["id"]
        clients = 8
        barrier = threading.Barrier(clients)
        answers: list[httpx.Response] = []

        def close(n: int) -> None:
            server = (one, other)[n % 2]
            barrier.wait()
            answers.append(
                httpx.put(
                    f"{server.url}{desk.base}/releases/{rid}/close", headers=admin, timeout=60
                )
            )

        threads = [threading.Thread(target=close, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(a.status_code for a in answers).count(200) == 1, [a.text for a in answers]
        closes = [h for h in history_of(desk, rid) if h["operation"]["name"] == "close"]
        assert len(closes) == 1
