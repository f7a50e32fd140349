"""What authentication costs per request, in-process (one request at a time, no wrk, no
TCP, so less noise than a loaded run): the ceiling route with the cached auth, with the key
looked up in the database, and (SQLite) with the cached auth plus a per-request read of the
auth_version counter, the alternative to polling it; then GET by id and the first list
page with the cache on and off (TTL 0), rounds alternating.

    python -m bench.auth_cost sqlite:///var/bench/bench-100000.db
    python -m bench.auth_cost postgresql://postgres@127.0.0.1:5432/rd_bench_100000

Prints ms per request (the best of ROUNDS rounds of REQUESTS each).
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
from releasedesk.core.users.cache import DEFAULT_TTL_SECONDS, AuthCache, auth_cache
from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database

REQUESTS = 1000
ROUNDS = 5
DEFAULT_TTL = DEFAULT_TTL_SECONDS


async def issue_key(url: str) -> str:
    database = Database(url)
    try:
        async with database.unit_of_work() as session:
            portal = await portals.ensure_portal(session, "itdesk")
            admin = await users.find_user(session, portal.id, "administrator")
            return await users.create_api_key(session, user=admin, name="auth cost")
    finally:
        await database.dispose()


async def one_round(client: httpx.AsyncClient, path: str) -> float:
    start = time.perf_counter()
    for _ in range(REQUESTS):
        await client.get(path)
    return (time.perf_counter() - start) / REQUESTS * 1000


def cache_on(cache: AuthCache, on: bool) -> None:
    cache.ttl = DEFAULT_TTL if on else 0
    cache.clear()


async def measure(url: str) -> dict[str, float]:
    key = await issue_key(url)
    os.environ["RELEASEDESK_DATABASE_URL"] = url
    app = create_bench_app()
    variants = [("ceiling", "/api/v3/_bench/ceiling", True)]
    variants.append(("ceiling_db_auth", "/api/v3/_bench/ceiling_db_auth", True))
    if make_url(url).get_backend_name() == "sqlite":
        variants.append(("ceiling_version_check", "/api/v3/_bench/ceiling_version_check", True))
    for name, path in (("get_by_id", "/api/v3/releases/1"), ("list_default", "/api/v3/releases")):
        variants += [(f"{name} cached", path, True), (f"{name} uncached", path, False)]
    best = {name: float("inf") for name, _, _ in variants}
    cache = auth_cache(app.state.database.caches)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers={"authtoken": key}
        ) as client:
            for name, path, cached in variants:  # warm: statement caches, the pool
                cache_on(cache, cached)
                for _ in range(200):
                    assert (await client.get(path)).status_code == 200, name
            for _ in range(ROUNDS):
                for name, path, cached in variants:
                    cache_on(cache, cached)
                    await client.get(path)  # fill the cache (or not)
                    best[name] = min(best[name], await one_round(client, path))
    cache_on(cache, True)
    return best


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///var/bench/bench-100000.db"
    upgrade(url)
    backend = make_url(url).get_backend_name()
    for path, ms in asyncio.run(measure(url)).items():
        print(f"{backend} {path}: {ms:.3f} ms per request")


if __name__ == "__main__":
    main()
