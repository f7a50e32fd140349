"""Measure the session model DESIGN.md asks for: async engine vs one sync hop per request.

Two minimal FastAPI apps read the same release row by primary key from the same database:
`async def` + AsyncSession (aiosqlite / asyncpg) and `def` + Session (sqlite3 / psycopg) run
in Starlette's threadpool. wrk loads each from another process; figures go to stdout.

    python -m bench.session_model sqlite:///var/bench.db
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from releasedesk.db.engine import create_engine as create_async_engine
from releasedesk.db.migrate import upgrade
from releasedesk.db.models import Release
from releasedesk.db.session import Database

N = int(os.environ.get("BENCH_N", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
COLUMNS = (Release.id, Release.title, Release.stage_id, Release.status_id, Release.created_time)


def async_app(url: str) -> FastAPI:
    engine = create_async_engine(url)
    app = FastAPI()

    @app.get("/r/{release_id}")
    async def read(release_id: int) -> dict[str, object]:
        async with engine.connect() as conn:
            row = (await conn.execute(select(*COLUMNS).where(Release.id == release_id))).one()
        return {"id": str(row.id), "title": row.title, "created": row.created_time.isoformat()}

    return app


def sync_app(url: str) -> FastAPI:
    parsed = make_url(url)
    driver = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    engine = create_engine(parsed.set(drivername=driver), pool_size=10)
    app = FastAPI()

    @app.get("/r/{release_id}")
    def read(release_id: int) -> dict[str, object]:
        with Session(engine) as session:
            row = session.execute(select(*COLUMNS).where(Release.id == release_id)).one()
        return {"id": str(row.id), "title": row.title, "created": row.created_time.isoformat()}

    return app


LUA = """
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/r/" .. math.random(1, %d))
end
"""


def run_wrk(port: int, count: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % count)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c32",
            f"-d{SECONDS}s",
            "-s",
            script.name,
            "--latency",
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line for line in out.splitlines() if "Requests/sec" in line).split()[-1]


def serve(kind: str, url: str, port: int) -> subprocess.Popen[bytes]:
    code = (
        f"import uvicorn; from bench.session_model import {kind}_app; "
        f"uvicorn.run({kind}_app({url!r}), host='127.0.0.1', port={port}, "
        "log_level='warning', access_log=False)"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(2.5)
    return process


async def seed(url: str) -> int:
    from bench.seed import seed as seed_rows

    database = Database(url)
    async with database.unit_of_work() as session:
        existing = (await session.execute(select(Release.id).limit(1))).first()
        if existing is None:
            print(f"seeded {N} releases in {(await seed_rows(session, N)).seconds:.1f}s")
    await database.dispose()
    return N


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///var/bench-session.db"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    count = asyncio.run(seed(url))
    random.seed(1)
    for port, kind in ((8301, "async"), (8302, "sync")):
        process = serve(kind, url, port)
        try:
            print(f"{make_url(url).get_backend_name()} {kind}: {run_wrk(port, count)} req/s")
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
