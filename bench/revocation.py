"""How soon a key revoked, or its user deactivated, in one process is refused by the others
(docs/architecture.md, "Auth cache"; issue 19, item 4).

Two `releasedesk serve` workers over one database. Each try: a technician's key is served
by both (so both cache it); then, in this process, as `releasedesk token revoke` or `user
deactivate` would from another one, the key is revoked (even tries) or its user deactivated
(odd tries); the moment that commits, both workers are asked at once, in parallel, one
(taking turns) with reads, the other with a write:

- reads (SDP GET of the list) until the first 401: did the next request after the commit
  still work, and how long after the commit was the first refusal?
- a write (SDP POST of a release): the promise is a refusal at once, every time. (A write
  reads its key afresh and tells its worker's cache, so that worker's reads are no measure.)

    python -m bench.revocation sqlite:///var/bench/revocation.db [TRIES]
    python -m bench.revocation postgresql://postgres@127.0.0.1:5432/rd_revocation [TRIES]

Prints each figure over the tries: the first read still accepted,
writes accepted, and the time from the commit to the read refused (median, 95th
percentile, max).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.serving import wait_until_serving
from releasedesk.core.portals import service as portals
from releasedesk.core.users import keys
from releasedesk.core.users import service as users
from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database

PORTAL = "itdesk"
LIST = "/api/v3/releases"
GIVE_UP_SECONDS = 5.0


@dataclass
class Figures:
    first_read_accepted: int = 0
    writes_accepted: int = 0
    refused_after: list[float] = field(default_factory=list)  # seconds after the commit

    def report(self, backend: str, tries: int) -> str:
        seen = sorted(self.refused_after)
        p95 = seen[min(len(seen) - 1, int(len(seen) * 0.95))]
        return (
            f"{backend}: {tries} tries; first read after the commit accepted "
            f"{self.first_read_accepted}/{tries}; writes accepted {self.writes_accepted}/{tries}; "
            f"read refused {statistics.median(seen) * 1000:.0f} ms after the commit (median), "
            f"{p95 * 1000:.0f} ms (95th percentile), {seen[-1] * 1000:.0f} ms (max)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_worker(url: str, var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RELEASEDESK_DATABASE_URL": url,
        "RELEASEDESK_VAR_DIR": str(var_dir),
        "RELEASEDESK_MAIL_SENDER": "0",
    }
    command = [sys.executable, "-m", "releasedesk", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return wait_until_serving(process, port, "worker", tries=300)


async def technician(database: Database) -> tuple[int, str]:
    async with database.unit_of_work() as session:
        portal = await portals.ensure_portal(session, PORTAL)
        user = await users.add_user(
            session, portal_id=portal.id, name=f"Tech {uuid.uuid4().hex[:8]}", role="technician"
        )
        return portal.id, user.name


async def new_key(database: Database, portal_id: int, name: str) -> str:
    async with database.unit_of_work() as session:
        user = await users.find_user(session, portal_id, name)
        return await users.create_api_key(session, user=user, name="revocation bench")


async def set_active(database: Database, portal_id: int, name: str, active: bool) -> None:
    async with database.unit_of_work() as session:
        await users.set_active(session, portal_id, name, active)


async def revoke(database: Database, key: str) -> None:
    async with database.unit_of_work() as session:
        await keys.revoke_key(session, key)


async def served_by(client: httpx.AsyncClient, key: str) -> None:
    """Both of a worker's answers 200, so the key is in its cache."""
    deadline = time.monotonic() + GIVE_UP_SECONDS
    ok = 0
    while ok < 2:
        status = (await client.get(LIST, headers={"authtoken": key})).status_code
        ok = ok + 1 if status == 200 else 0
        assert time.monotonic() < deadline, f"the key is not served: {status}"


async def reads(client: httpx.AsyncClient, key: str, committed: float, figures: Figures) -> None:
    """Reads only, until the first refusal: the bound of a read."""
    headers = {"authtoken": key}
    if (await client.get(LIST, headers=headers)).status_code == 200:
        figures.first_read_accepted += 1
    while (await client.get(LIST, headers=headers)).status_code == 200:
        assert time.monotonic() - committed < GIVE_UP_SECONDS, "never refused"
    figures.refused_after.append(time.monotonic() - committed)


async def write(client: httpx.AsyncClient, key: str, figures: Figures) -> None:
    """One write at once (it also tells the worker's cache, so no read bound from it)."""
    form = {"input_data": json.dumps({"release": {"title": "After the revoke"}})}
    status = (await client.post(LIST, headers={"authtoken": key}, data=form)).status_code
    figures.writes_accepted += status != 401


async def measure(url: str, tries: int, ports: list[int]) -> Figures:
    database = Database(url)
    figures = Figures()
    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=10) for p in ports]
    try:
        portal_id, name = await technician(database)
        for n in range(tries):
            key = await new_key(database, portal_id, name)
            for client in clients:
                await served_by(client, key)
            await asyncio.sleep(0.3)  # let the workers settle (SQLite: a poll passes)
            for client in clients:
                await served_by(client, key)
            deactivate = n % 2 == 1
            if deactivate:
                await set_active(database, portal_id, name, False)
            else:
                await revoke(database, key)
            committed = time.monotonic()
            reader, writer = clients if n % 4 < 2 else clients[::-1]  # each worker both ways
            await asyncio.gather(
                reads(reader, key, committed, figures), write(writer, key, figures)
            )
            if deactivate:
                await set_active(database, portal_id, name, True)
                await revoke(database, key)
    finally:
        for client in clients:
            await client.aclose()
        await database.dispose()
    return figures


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///var/bench/revocation.db"
    tries = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    upgrade(url)
    ports = [free_port(), free_port()]
    with tempfile.TemporaryDirectory() as var_dir:
        workers = [start_worker(url, Path(var_dir), port) for port in ports]
        try:
            figures = asyncio.run(measure(url, tries, ports))
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=15)
    print(figures.report(url.partition(":")[0], tries))


if __name__ == "__main__":
    main()
