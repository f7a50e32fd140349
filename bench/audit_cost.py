"""What the audit chain costs a close and a decision, in-process (one request at a time, no
wrk, no TCP: a loaded run on a shared machine blurs a difference this small): rounds of
closes and of approvals decided through the SDP API, alternating with the audit append on
and off (`audit.record` made a no-op), each round on releases made for it.

    python -m bench.audit_cost sqlite:///var/bench/bench-10000.db
    python -m bench.audit_cost postgresql://postgres@127.0.0.1:5432/rd_bench_10000

Prints ms per request, the best of ROUNDS rounds of REQUESTS each, and the ratio.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bench.auth_cost import issue_key
from bench.server import create_bench_app
from bench.write_pools import APPROVER, _approver
from releasedesk.core.audit import service as audit
from releasedesk.db.migrate import upgrade

REQUESTS = 50
ROUNDS = 5
RECORD = audit.record


async def _send(client: httpx.AsyncClient, method: str, path: str, body: object) -> Any:
    response = await client.request(method, path, data={"input_data": json.dumps(body)})
    assert response.status_code in (200, 201), (path, response.text[:300])
    return response.json()


async def _release(client: httpx.AsyncClient) -> str:
    created = await _send(client, "POST", "/api/v3/releases", {"release": {"title": "Cost"}})
    return str(created["release"]["id"])


async def _close_paths(client: httpx.AsyncClient, approver: int) -> list[str]:
    return [f"/api/v3/releases/{await _release(client)}/close" for _ in range(REQUESTS)]


async def _decide_paths(client: httpx.AsyncClient, approver: int) -> list[str]:
    paths = []
    for _ in range(REQUESTS):
        levels = f"/api/v3/releases/{await _release(client)}/approval_levels"
        level = (
            await _send(
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
            )
        )["approval_level"]
        approval = f"{levels}/{level['id']}/approvals/{level['approvals'][0]['id']}"
        await _send(client, "PUT", f"{approval}/_send_notification", {})
        paths.append(f"{approval}/_approve")
    return paths


async def _no_record(*_args: object, **_kwargs: object) -> None:
    return None


async def _round(
    client: httpx.AsyncClient,
    make: Callable[[httpx.AsyncClient, int], Awaitable[list[str]]],
    body: object,
    approver: int,
    chained: bool,
) -> float:
    paths = await make(client, approver)
    audit.record = RECORD if chained else _no_record  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        for path in paths:
            await _send(client, "PUT", path, body)
        return (time.perf_counter() - start) / len(paths) * 1000
    finally:
        audit.record = RECORD  # type: ignore[assignment]


async def measure(url: str, approver: int) -> dict[str, float]:
    key = await issue_key(url)
    os.environ["RELEASEDESK_DATABASE_URL"] = url
    app = create_bench_app()
    scenarios = {
        "close": (_close_paths, {"status": "completed"}),
        "decide": (_decide_paths, {"approval": {"comments": "cost"}}),
    }
    best: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers={"authtoken": key}
        ) as client:
            for round_number in range(ROUNDS + 1):  # the first warms the caches, uncounted
                for name, (make, body) in scenarios.items():
                    for chained in (True, False):
                        ms = await _round(client, make, body, approver, chained)
                        label = f"{name} {'with' if chained else 'without'} the chain"
                        if round_number:
                            best[label] = min(best.get(label, ms), ms)
    return best


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///var/bench/bench-10000.db"
    upgrade(url)
    approver = _approver(url)
    assert APPROVER
    backend = make_url(url).get_backend_name()
    best = asyncio.run(measure(url, approver))
    for label, ms in best.items():
        print(f"{backend} {label}: {ms:.2f} ms per request")
    for name in ("close", "decide"):
        ratio = best[f"{name} with the chain"] / best[f"{name} without the chain"]
        print(f"{backend} {name}: with / without = {ratio:.3f}")


if __name__ == "__main__":
    main()
