"""Webhooks from real servers (issue 24's "Done when"): two `releasedesk serve` processes on
one database, each running the webhook sender, and a receiver on 127.0.0.1 that the
`standardwebhooks` verifier checks every request of. Release writes spread over both servers
reach it once each; a server killed -9 while its delivery is in flight leaves that delivery
to the servers that run next, which send it once the claim's lease ends, under the same
`webhook-id`.

"Once" is counted against the store: every event has one delivery, and the copies of a
`webhook-id` the receiver got are the attempts of that delivery (a retry after a failed
attempt is the same delivery; a copy beyond its attempts would be a second delivery), plus
one for the attempt cut off by the kill, whose answer the killed sender never recorded.

Both databases: two servers on one SQLite file share its single writer, which the sender's
claim takes (BEGIN IMMEDIATE), so each delivery is claimed once there too. The two servers
are the module's (a start takes seconds on two shared cores); each test has a portal, a
subscription and a receiver of its own, and counts only its portal's events.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from releasedesk.db.session import Database
from tests.conftest import BACKEND, own_database
from tests.durability import ServerProcess, wait_for
from tests.webhook_receiver import Receiver, receiving

RELEASE_EVENTS = [
    "release.created",
    "release.updated",
    "release.stage_changed",
    "release.closed",
    "release.trashed",
    "release.restored",
    "release.deleted",
]
TIMEOUT_SECONDS = 2.0
LEASE_SECONDS = 6.0  # a killed sender's delivery waits this long (by default 2 timeouts + 5 s)
DELIVERY_SECONDS_LIMIT = 20.0
ENV = {
    "RELEASEDESK_SECRET_KEY": "webhook-servers-share-this-secret-key-0123456789",
    "RELEASEDESK_WEBHOOK_SENDER": "1",
    "RELEASEDESK_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    "RELEASEDESK_WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
    "RELEASEDESK_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
    "RELEASEDESK_MAIL_SENDER": "0",
    "RELEASEDESK_APPROVAL_SCHEDULER": "0",
}


@dataclass(frozen=True)
class Portal:
    """A test's own portal (the servers and their database are the module's)."""

    url: str  # the database's
    id: int
    name: str
    key: str  # an admin's

    def v3(self, server: ServerProcess) -> str:
        return f"{server.url}/app/{self.name}/api/v3"


@dataclass(frozen=True)
class Stored:
    """An event as the store has it, with its deliveries' attempts."""

    message_id: str
    type: str
    body: str
    attempts: list[int]  # per delivery
    delivered: bool


@dataclass(frozen=True)
class Pair:
    url: str  # the database's
    one: ServerProcess
    other: ServerProcess


@pytest.fixture(scope="module")
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    """Two servers on a database of the module's own (no other test's deliveries for their
    senders), started once for the module's tests: a start takes seconds on two shared
    cores. A test that kills one starts it again."""
    directory = tmp_path_factory.mktemp("hookservers")
    with own_database(request.config.stash[BACKEND], directory) as url:
        one, other = servers(url, directory, "one", "other")
        try:
            start_together(one, other)
            yield Pair(url, one, other)
        finally:
            one.stop()
            other.stop()


@pytest.fixture
def portal(pair: Pair) -> Portal:
    return portal_in(pair.url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def portal_in(url: str) -> Portal:
    async def go() -> Portal:
        database = Database(url)
        try:
            async with database.unit_of_work() as session:
                portal = await portals.create_portal(session, f"hooks{uuid.uuid4().hex[:8]}")
                admin = await users.add_user(
                    session, portal_id=portal.id, name="Ada Admin", role="admin",
                    email_id=f"ada@{portal.name}.example.com",
                )  # fmt: skip
                key = await users.create_api_key(session, user=admin)
                return Portal(url, portal.id, portal.name, key)
        finally:
            await database.dispose()

    return asyncio.run(go())


def servers(url: str, tmp_path: Path, *names: str) -> list[ServerProcess]:
    made = [ServerProcess(url, tmp_path / name, ENV) for name in names]
    for server in made:
        server.worker.log.parent.mkdir(parents=True, exist_ok=True)
    return made


def start_together(*started: ServerProcess) -> None:
    """Start them side by side (two shared cores: a start takes seconds)."""
    failures: list[BaseException] = []

    def start(server: ServerProcess) -> None:
        try:
            server.start()
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=start, args=(s,)) for s in started]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def subscribe(server: ServerProcess, portal: Portal, url: str) -> str:
    """A subscription to every release event, made through `server`: its secret."""
    made = httpx.post(
        f"{server.url}/app/{portal.name}/api/v1/webhooks",
        json={"url": url, "events": RELEASE_EVENTS},
        headers={"Authorization": f"Bearer {portal.key}"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["secret"])


def sdp(body: object) -> dict[str, str]:
    return {"input_data": json.dumps(body)}


def create(server: ServerProcess, portal: Portal) -> int:
    """A release made through `server` (release.created): its id."""
    title = f"Hooked {uuid.uuid4().hex[:8]}"
    made = httpx.post(
        f"{portal.v3(server)}/releases",
        params=sdp({"release": {"title": title}}),
        headers={"authtoken": portal.key},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["release"]["id"])


def retitle(server: ServerProcess, portal: Portal, release_id: int) -> None:
    """The release's title changed through `server` (release.updated)."""
    changed = httpx.put(
        f"{portal.v3(server)}/releases/{release_id}",
        params=sdp({"release": {"title": f"Retitled {uuid.uuid4().hex[:8]}"}}),
        headers={"authtoken": portal.key},
        timeout=30,
    )
    assert changed.status_code == 200, changed.text


def write_through_both(portal: Portal, one: ServerProcess, other: ServerProcess, n: int) -> None:
    """`n` releases, half made through each server and each retitled through the other,
    from two clients at once: 2n events."""

    def client(first: ServerProcess, second: ServerProcess, count: int) -> None:
        for _ in range(count):
            retitle(second, portal, create(first, portal))

    failures: list[BaseException] = []

    def run(first: ServerProcess, second: ServerProcess, count: int) -> None:
        try:
            client(first, second, count)
        except BaseException as failure:
            failures.append(failure)

    threads = [
        threading.Thread(target=run, args=(one, other, n // 2)),
        threading.Thread(target=run, args=(other, one, n - n // 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def stored(portal: Portal) -> list[Stored]:
    """The portal's events and their deliveries."""

    async def go() -> list[Stored]:
        database = Database(portal.url)
        try:
            async with database.unit_of_work(writes=False) as session:
                events = (
                    (
                        await session.execute(
                            select(WebhookEvent).where(WebhookEvent.portal_id == portal.id)
                        )
                    )
                    .scalars()
                    .all()
                )
                rows = (
                    (
                        await session.execute(
                            select(WebhookDelivery).where(
                                WebhookDelivery.event_id.in_([e.id for e in events])
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
                return [
                    Stored(
                        e.message_id,
                        e.type,
                        e.body,
                        [d.attempts for d in rows if d.event_id == e.id],
                        all(d.status == "succeeded" for d in rows if d.event_id == e.id),
                    )
                    for e in events
                ]
        finally:
            await database.dispose()

    return asyncio.run(go())


def all_delivered(portal: Portal, expected: int) -> bool:
    events = stored(portal)
    return len(events) == expected and all(e.delivered for e in events)


def check_once(
    portal: Portal, receiver: Receiver, secret: str, cut_off: Counter[str] | None = None
) -> list[Stored]:
    """Every request verifies and is one of the stored events, byte for byte; each event
    has one delivery, received as many times as it was attempted (plus the attempts cut off
    by a kill, `cut_off`, by webhook-id): what the store holds."""
    events = stored(portal)
    by_id = {e.message_id: e for e in events}
    verifier = Webhook(secret)
    copies: Counter[str] = Counter()
    for request in receiver.received:
        payload = verifier.verify(request.body, request.headers)
        message_id = request.headers["webhook-id"]
        assert message_id in by_id, f"{message_id} is no event of the store"
        assert request.body.decode() == by_id[message_id].body
        assert payload["type"] == by_id[message_id].type
        copies[message_id] += 1
    assert set(copies) == set(by_id), "an event never reached the receiver"
    for event in events:
        assert len(event.attempts) == 1, f"{event.message_id} has {len(event.attempts)} deliveries"
        expected = event.attempts[0] + (cut_off or Counter())[event.message_id]
        assert copies[event.message_id] == expected, (
            f"{event.message_id} received {copies[event.message_id]} times, "
            f"attempted {event.attempts[0]}: delivered twice"
        )
    return events


def test_release_writes_through_two_servers_reach_the_receiver_once_each(
    pair: Pair, portal: Portal, receiver: Receiver, backend_name: str
) -> None:
    one, other = pair.one, pair.other
    secret = subscribe(one, portal, receiver.url)
    releases = 12
    write_through_both(portal, one, other, releases)
    wait_for(
        lambda: all_delivered(portal, 2 * releases),
        DELIVERY_SECONDS_LIMIT,
        "every event delivered",
        every=0.2,
    )
    events = check_once(portal, receiver, secret)
    assert Counter(e.type for e in events) == {
        "release.created": releases,
        "release.updated": releases,
    }
    for server in (one, other):
        assert "Traceback" not in server.output(), server.output()[-5000:]
    retried = sum(e.attempts[0] - 1 for e in events)
    print(f"\ntwo servers on {backend_name}: {len(events)} events once each, {retried} retries")


def _connection_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the loopback TCP socket from `local_port` to `remote_port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == local_port and int(remote, 16) == remote_port:
                return fields[9]
    return None


def _holds(pid: int, inode: str) -> bool:
    wanted = f"socket:[{inode}]"
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == wanted:
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def sender_of(peer_port: int, receiver: Receiver, among: list[ServerProcess]) -> ServerProcess:
    """Which server's process holds the connection the receiver got a request on (Linux's
    /proc: the socket from that port to the receiver's, and the process with it open)."""
    inode = _connection_inode(peer_port, int(receiver.url.split(":")[2].split("/")[0]))
    assert inode is not None, f"no connection from port {peer_port}"
    for server in among:
        assert server.process is not None
        if _holds(server.process.pid, inode):
            return server
    raise AssertionError(f"no server holds the connection from port {peer_port}")


def in_flight(url: str, message_id: str) -> tuple[int, dt.datetime]:
    """The held delivery's attempts recorded and the end of its claim's lease."""

    async def go() -> tuple[int, dt.datetime]:
        database = Database(url)
        try:
            async with database.unit_of_work(writes=False) as session:
                delivery = (
                    await session.execute(
                        select(WebhookDelivery)
                        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                        .where(WebhookEvent.message_id == message_id)
                    )
                ).scalar_one()
                assert delivery.claimed_until is not None, "the held delivery is not claimed"
                return delivery.attempts, delivery.claimed_until
        finally:
            await database.dispose()

    return asyncio.run(go())


def attempted_on(url: str, message_id: str) -> list[dt.datetime]:
    async def go() -> list[dt.datetime]:
        database = Database(url)
        try:
            async with database.unit_of_work(writes=False) as session:
                statement = (
                    select(WebhookAttempt.attempted_on)
                    .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
                    .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                    .where(WebhookEvent.message_id == message_id)
                )
                return list((await session.execute(statement)).scalars())
        finally:
            await database.dispose()

    return asyncio.run(go())


def test_a_server_killed_mid_delivery_leaves_it_to_the_others_once_its_lease_ends(
    pair: Pair, portal: Portal, receiver: Receiver, backend_name: str
) -> None:
    one, other = pair.one, pair.other
    secret = subscribe(one, portal, receiver.url)
    receiver.hold_next(1)  # the first delivery's answer never comes
    made = [create(one if n % 2 else other, portal) for n in range(4)]
    assert receiver.held.wait(DELIVERY_SECONDS_LIMIT), "no delivery reached the receiver"
    held = receiver.received[0]
    killed = sender_of(held.peer_port, receiver, [one, other])
    killed.kill()  # within the timeout: the attempt is in flight, not recorded
    try:
        receiver.release()
        message_id = held.headers["webhook-id"]
        attempts, lease_ends = in_flight(pair.url, message_id)
        assert attempts == 0
        survivor = other if killed is one else one
        for release_id in made:  # more events while the killed server is down
            retitle(survivor, portal, release_id)
    finally:
        killed.start()  # back while the lease still holds the delivery (and for the module)
    write_through_both(portal, one, other, 2)
    wait_for(
        lambda: all_delivered(portal, 2 * len(made) + 4),
        DELIVERY_SECONDS_LIMIT,
        "every event delivered, the held one after its lease",
        every=0.2,
    )
    check_once(portal, receiver, secret, cut_off=Counter({message_id: 1}))
    copies = [r for r in receiver.received if r.headers["webhook-id"] == message_id]
    assert len(copies) == 2 and copies[0].body == copies[1].body  # the same message again
    (again,) = attempted_on(pair.url, message_id)
    assert again >= lease_ends, (again, lease_ends)  # not before the killed claim ran out
    assert killed.kills >= 1
    for server in (one, other):
        assert "Traceback" not in server.output(), server.output()[-5000:]
    print(
        f"\nkill -9 on {backend_name}: the held delivery sent again "
        f"{(again - lease_ends).total_seconds():.1f} s after its lease ended; starts took "
        f"{one.start_seconds} and {other.start_seconds} s"
    )
