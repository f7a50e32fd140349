"""A revoke made through the CLI: no worker lets the key write once it has committed, and
every worker refuses its reads within the documented bound (docs/architecture.md, "Auth
cache": half a second; SQLite polls every 0.1 s, PostgreSQL is told by NOTIFY).

Two `releasedesk serve` processes on their own ports (so each request is known to reach a
given worker) over the suite's database; both have served the key before it is revoked.
Runs on SQLite too: two processes share one SQLite file the way they share a PostgreSQL
database, so nothing about the property is PostgreSQL's alone.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from releasedesk.cli.main import app
from tests.helpers import Desk
from tests.workers import serve_workers

READS_REFUSED_WITHIN_SECONDS = 0.5  # the bound docs/architecture.md states
REFUSALS_EACH = 5  # after its first 401, each worker keeps refusing
A_WRITE = {"input_data": json.dumps({"release": {"title": "After the revoke"}})}


def test_a_revoke_stops_writes_at_once_and_reads_within_the_bound_in_every_worker(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    key, spare = desk.technician.key, desk.admin.key
    path = f"/app/{desk.portal}/api/v3/releases"
    with serve_workers(database_url, tmp_path, count=2) as workers:
        clients = [httpx.Client(base_url=w.url, timeout=10) for w in workers]
        try:
            for client in clients:  # every worker has served the key
                for _ in range(3):
                    assert client.get(path, headers={"authtoken": key}).status_code == 200

            env = {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}
            revoked = CliRunner().invoke(app, ["token", "revoke", key[:12]], env=env)
            assert revoked.exit_code == 0, revoked.output

            deadline = time.monotonic() + READS_REFUSED_WITHIN_SECONDS
            # The first worker is asked to write at once (refused, whatever it cached), the
            # second only reads: its refusal within the bound is the poll's or NOTIFY's.
            writing = clients[0].post(path, headers={"authtoken": key}, data=A_WRITE)
            assert writing.status_code == 401, writing.text
            answers: list[list[int]] = [[] for _ in clients]
            while not all(a.count(401) >= REFUSALS_EACH for a in answers):
                assert time.monotonic() < deadline, f"not refused everywhere in time: {answers}"
                for client, seen in zip(clients, answers, strict=True):
                    seen.append(client.get(path, headers={"authtoken": key}).status_code)
            for client in clients:
                assert (
                    client.post(path, headers={"authtoken": key}, data=A_WRITE).status_code == 401
                )
            for seen in answers:  # once refused, never accepted again
                first = seen.index(401)
                assert set(seen[first:]) == {401}, answers
                assert set(seen) <= {200, 401}, answers

            for client in clients:  # the workers still serve other keys
                assert client.get(path, headers={"authtoken": spare}).status_code == 200
        finally:
            for client in clients:
                client.close()
    for worker in workers:
        assert key not in worker.output() and spare not in worker.output()
