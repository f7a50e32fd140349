"""Server CPU of one GET of a release, in-process: a loop of GETs through httpx's
ASGITransport, timed with `time.process_time` (the CPU this process spent, whatever the
database server spent in its own). Used to weigh db/driver.py's way of running the hot
reads (docs/performance.md, "The driver on public API").

    python -m bench.driver_cost sqlite:///var/bench/driver.db
    python -m bench.driver_cost postgresql://postgres@127.0.0.1:5432/rd_driver

Seeds 200 releases into a fresh database when it has none. Prints the best of ROUNDS
rounds, in ms of CPU per GET.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.seed import seed
from releasedesk.app import create_app
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.migrate import upgrade
from releasedesk.db.models import Release
from releasedesk.db.session import Database
from releasedesk.settings import Settings

REQUESTS = 500
ROUNDS = 7
RELEASES = 200


async def prepare(url: str) -> tuple[str, int]:
    """A key of the default portal's administrator and the id of a seeded release."""
    database = Database(url)
    try:
        async with database.unit_of_work() as session:
            if not await session.scalar(select(func.count()).select_from(Release)):
                await seed(session, RELEASES)
            portal = await portals.ensure_portal(session, "itdesk")
            admin = await users.find_user(session, portal.id, "administrator")
            key = await users.create_api_key(session, user=admin, name="driver cost")
            first = await session.scalar(
                select(func.min(Release.id)).where(Release.portal_id == portal.id)
            )
            assert first is not None
            return key, first
    finally:
        await database.dispose()


async def measure(url: str) -> float:
    key, release = await prepare(url)
    settings = Settings(database_url=url, var_dir=Settings.from_env().var_dir, secret_key="x" * 32)
    app = create_app(settings)
    path = f"/api/v3/releases/{release}"
    best = float("inf")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers={"authtoken": key}
        ) as client:
            for _ in range(200):  # warm: statement caches, the pool, the auth cache
                assert (await client.get(path)).status_code == 200
            for _ in range(ROUNDS):
                start = time.process_time()
                for _ in range(REQUESTS):
                    await client.get(path)
                best = min(best, (time.process_time() - start) / REQUESTS * 1000)
    return best


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///var/bench/driver.db"
    os.environ.setdefault("RELEASEDESK_DATABASE_URL", url)
    upgrade(url)
    backend = make_url(url).get_backend_name()
    print(f"{backend} GET by id: {asyncio.run(measure(url)):.3f} ms CPU per request")


if __name__ == "__main__":
    main()
