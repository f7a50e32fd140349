"""What authentication costs per request, in-process (one request at a time, no wrk, no
TCP): the ceiling route with the cached auth, with the key looked up in the database, and
(SQLite) with the cached auth plus a per-request read of the auth_version counter, the
alternative to polling it.

    python -m bench.auth_cost sqlite:///var/bench/bench-100000.db
    python -m bench.auth_cost postgresql://postgres@127.0.0.1:5432/rd_bench_100000

Prints ms per request (the best of three rounds of REQUESTS).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx
from sqlalchemy.engine import make_url

from bench.server import create_bench_app
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database

REQUESTS = 2000
ROUNDS = 3


async def issue_key(url: str) -> str:
    database = Database(url)
    try:
        async with database.unit_of_work() as session:
            portal = await portals.ensure_portal(session, "itdesk")
            admin = await users.find_user(session, portal.id, "administrator")
            return await users.create_api_key(session, user=admin, name="auth cost")
    finally:
        await database.dispose()


async def per_request_ms(client: httpx.AsyncClient, path: str) -> float:
    for _ in range(200):  # warm: statement caches, the auth cache, the pool
        assert (await client.get(path)).status_code == 200
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(REQUESTS):
            await client.get(path)
        best = min(best, (time.perf_counter() - start) / REQUESTS * 1000)
    return best


async def measure(url: str) -> dict[str, float]:
    key = await issue_key(url)
    os.environ["RELEASEDESK_DATABASE_URL"] = url
    app = create_bench_app()
    paths = ["ceiling", "ceiling_db_auth"]
    if make_url(url).get_backend_name() == "sqlite":
        paths.append("ceiling_version_check")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers={"authtoken": key}
        ) as client:
            return {p: await per_request_ms(client, f"/api/v3/_bench/{p}") for p in paths}


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///var/bench/bench-100000.db"
    upgrade(url)
    backend = make_url(url).get_backend_name()
    for path, ms in asyncio.run(measure(url)).items():
        print(f"{backend} {path}: {ms:.3f} ms per request")


if __name__ == "__main__":
    main()
