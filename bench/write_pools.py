"""What the one-shot write scenarios use up: a release closes once and an approval is decided
once, so each is loaded over a pool made just before, through the API of the server being
measured (so any checkout's server makes its own): open releases to close, and releases each
with one approval sent and waiting, decided by the bench key's administrator on behalf of
its approver. Each request takes the next path of its wrk thread's share of the pool."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import httpx

from releasedesk.core.errors import NotFound
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.session import Database

APPROVER = "Bench Approver"


def pool_size() -> int:
    return int(os.environ.get("BENCH_WRITE_POOL", "3000"))


def _client(port: int, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"authtoken": key}, timeout=60)


def _post(client: httpx.Client, method: str, path: str, body: object) -> dict[str, object]:
    response = client.request(method, path, data={"input_data": json.dumps(body)})
    assert response.status_code in (200, 201), (path, response.text[:300])
    return response.json()  # type: ignore[no-any-return]


def _new_release(client: httpx.Client) -> str:
    title = f"Bench write {uuid.uuid4().hex[:8]}"
    created = _post(client, "POST", "/api/v3/releases", {"release": {"title": title}})
    return str(created["release"]["id"])  # type: ignore[index]


def close_paths(port: int, key: str, _url: str) -> list[str]:
    """Open releases, each closed once by the scenario."""
    with _client(port, key) as client:
        return [f"/api/v3/releases/{_new_release(client)}/close" for _ in range(pool_size())]


def _approver(url: str) -> int:
    """The bench approver's id (made with an email, which sending needs, the first time)."""

    async def ensure() -> int:
        database = Database(url)
        try:
            async with database.unit_of_work() as session:
                portal = await portals.get_portal(session, "itdesk")
                try:
                    return (await users.find_user(session, portal.id, APPROVER)).id
                except NotFound:
                    added = await users.add_user(
                        session,
                        portal_id=portal.id,
                        name=APPROVER,
                        role="technician",
                        email_id="bench.approver@example.com",
                    )
                    return added.id
        finally:
            await database.dispose()

    return asyncio.run(ensure())


def decision_paths(port: int, key: str, url: str) -> list[str]:
    """Releases each with one approval sent to the bench approver and waiting: its
    _approve path."""
    approver = _approver(url)
    paths: list[str] = []
    with _client(port, key) as client:
        for _ in range(pool_size()):
            release = _new_release(client)
            levels = f"/api/v3/releases/{release}/approval_levels"
            level = _post(
                client,
                "POST",
                levels,
                {
                    "approval_level": {
                        "name": "CAB",
                        "release_stage": {"name": "submission"},
                        "rule": {"type": "anyone"},
                        "approvals": [{"approver": {"id": str(approver)}}],
                    }
                },
            )["approval_level"]
            level_id = level["id"]  # type: ignore[index]
            approval_id = level["approvals"][0]["id"]  # type: ignore[index]
            approval = f"{levels}/{level_id}/approvals/{approval_id}"
            _post(client, "PUT", f"{approval}/_send_notification", {})
            paths.append(f"{approval}/_approve")
    return paths
