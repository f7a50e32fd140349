"""`make bench`: seed, serve, load with wrk, verify, report — on SQLite and PostgreSQL.

Environment: BENCH_N (default 100000), BENCH_DB=sqlite|postgresql|both (default both),
BENCH_SECONDS (default 10 per scenario), BENCH_SCENARIOS (comma list, default all),
BENCH_SCALING (e.g. 10000,100000,1000000: also run the list scenarios at those sizes),
BENCH_PG_URL (server to create bench databases on; default postgresql://postgres@127.0.0.1:5432/postgres),
BENCH_PG_DATABASE (name of the bench databases there, before `_N`; default rd_bench: give
another to keep out of a database another checkout benches on),
BENCH_RESEED=1 (seed again even when a seeded database of that size exists),
BENCH_PORT (the bench server's port, default 8399),
BENCH_WRITE_POOL (releases made for each one-shot write scenario, close and decide,
before its load; default 3000),
BENCH_CONNECTIONS (wrk's concurrency, default 32), BENCH_REPORT (report name, default latest),
BENCH_TWO_WORKERS=0 (skip the second server run: bare ASGI, ceiling, GET by id and the first
list page again under `uvicorn --workers 2`, to show how the server scales on two cores),
BENCH_SCHEDULE_N (default 10000: the releases of the schedule run, which loads the conflicts
and next free slot scenarios, with the references, on a database of its own seeded with
services on every release and BENCH_FREEZES freeze windows, default 100; BENCH_SCHEDULE_N=0
skips it),
BENCH_PROFILE=0 (do not profile the scenarios that miss a target of bench/targets.py: by
default each is loaded again for BENCH_SECONDS under py-spy, its stacks saved in
bench/results/profiles/ and summarised in the report).
`python -m bench --scaling` runs only the list scenarios at BENCH_SCALING sizes
(default 10000,100000,1000000), with one worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bench import explain, profiling, report, targets, verify, wrk
from bench.scenarios import SCENARIOS, Scenario
from bench.serving import wait_until_serving
from releasedesk.core.portals import service as portals
from releasedesk.core.users import service as users
from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
# BENCH_PORT: another port, when another checkout benches on this machine at the same time.
PORT = int(os.environ.get("BENCH_PORT", "8399"))
# Served again by two workers: the references and the two reads every client makes most.
WEB_PASSWORD = "bench-web-password"
TWO_WORKER_SCENARIOS = ("bare_asgi", "ceiling", "get_by_id", "list_default")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def pg_server() -> str:
    return os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _pg_admin(statement: str, database: str | None = None) -> None:
    import asyncpg

    url = make_url(pg_server())
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=database or url.database or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _size(n: int, freezes: int = 0) -> str:
    """How a seeded database is told apart: its releases, and its freeze windows if any."""
    return f"{n}_f{freezes}" if freezes else str(n)


def pg_database(n: int, freezes: int = 0) -> str:
    return f"{os.environ.get('BENCH_PG_DATABASE', 'rd_bench')}_{_size(n, freezes)}"


def database_url(database: str, n: int, freezes: int = 0) -> str:
    if database == "sqlite":
        return f"sqlite:///{VAR / f'bench-{_size(n, freezes)}.db'}"
    name = pg_database(n, freezes)
    return make_url(pg_server()).set(database=name).render_as_string(hide_password=False)


def meta_path(database: str, n: int, freezes: int = 0) -> Path:
    if database == "postgresql" and pg_database(n, freezes) != f"rd_bench_{_size(n, freezes)}":
        return VAR / f"postgresql-{pg_database(n, freezes)}.json"
    return VAR / f"{database}-{_size(n, freezes)}.json"


def prepare(database: str, n: int, freezes: int = 0) -> dict[str, Any]:
    """A database seeded with n releases (and, with `freezes`, services and that many freeze
    windows); reused when one of that kind is already there, brought to this checkout's
    schema first."""
    VAR.mkdir(parents=True, exist_ok=True)
    meta_file = meta_path(database, n, freezes)
    url = database_url(database, n, freezes)
    if meta_file.exists() and os.environ.get("BENCH_RESEED") != "1":
        print(f"[{database} N={n}] reusing the seeded database")
        upgrade(url)
        return json.loads(meta_file.read_text())  # type: ignore[no-any-return]
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(make_url(url).database + suffix).unlink(missing_ok=True)  # type: ignore[operator]
    else:
        name = make_url(url).database
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    upgrade(url)

    async def seed() -> dict[str, Any]:
        from bench.seed import seed as seed_rows

        db = Database(url)
        try:
            async with db.unit_of_work() as session:
                result = await seed_rows(session, n, freezes=freezes)
        finally:
            await db.dispose()
        main_count = n - n // 10
        return {
            "seconds": result.seconds,
            "rows": result.rows,
            "first": result.first_id,
            "last": result.first_id + main_count - 1,
            "main_count": main_count,
            "history_id": result.history_release_id,
        }

    meta = asyncio.run(seed())
    if database == "postgresql":
        # What autovacuum would do soon after a bulk load: visibility map and statistics.
        asyncio.run(_pg_admin("VACUUM ANALYZE", make_url(url).database))
    print(f"[{database} N={n}] seeded in {meta['seconds']:.1f} s: {meta['rows']}")
    meta_file.write_text(json.dumps(meta))
    return meta


def new_key(url: str) -> str:
    async def create() -> str:
        db = Database(url)
        try:
            async with db.unit_of_work() as session:
                portal = await portals.get_portal(session, "itdesk")
                admin = await users.find_user(session, portal.id, "administrator")
                # The web pages' scenarios sign in as the administrator (web_cookie).
                await users.set_password(session, portal.id, "administrator", WEB_PASSWORD)
                return await users.create_api_key(session, user=admin, name="bench")
        finally:
            await db.dispose()

    return asyncio.run(create())


def start_server(url: str, workers: int = 1) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.server:create_bench_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--no-access-log",
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env={**os.environ, "RELEASEDESK_DATABASE_URL": url},
    )
    return wait_until_serving(process, PORT, "bench server", tries=100)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def web_cookie() -> str:
    """Sign in to the web UI as a browser does; the Cookie header the page scenarios send."""
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}") as browser:
        form = browser.get("/ui/sign-in").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = browser.post(
            "/ui/sign-in",
            data={"csrf_token": token, "login": "administrator", "password": WEB_PASSWORD},
        )
        assert signed_in.status_code == 303, signed_in.text
        return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def response_sizes(key: str, meta: dict[str, Any]) -> dict[str, int]:
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers={"authtoken": key}) as c:
        return {
            "ceiling": len(c.get("/api/v3/_bench/ceiling").content),
            "get_by_id": len(c.get(f"/api/v3/releases/{meta['first']}").content),
            "list_default": len(c.get("/api/v3/releases").content),
        }


def scenario_lua(scenario: Scenario, key: str, meta: dict[str, Any]) -> str:
    pool = None
    if scenario.pool is not None:  # one-shot writes: a fresh pool for every load
        pool = scenario.pool(PORT, key, meta["url"])
    return wrk.lua_for(
        scenario,
        key=key,
        first=meta["first"],
        last=meta["last"],
        history_id=meta["history_id"],
        count=meta["main_count"],
        cookie=meta.get("web_cookie", ""),
        pool=pool,
    )


def load_once(scenario: Scenario, key: str, meta: dict[str, Any], seconds: int) -> wrk.Figures:
    return wrk.run(
        scenario,
        scenario_lua(scenario, key, meta),
        port=PORT,
        seconds=seconds,
        connections=env_int("BENCH_CONNECTIONS", 32),
    )


def load(
    run: report.Run,
    scenarios: list[Scenario],
    key: str,
    meta: dict[str, Any],
    seconds: int,
    workers: int = 1,
) -> None:
    """Each scenario under wrk against the server on PORT, one row each into `run`."""
    for scenario in scenarios:
        figures = load_once(scenario, key, meta, seconds)
        print(
            f"[{run.database} N={run.n} workers={workers}] {scenario.name}: "
            f"{figures.rps:,.0f} req/s, p50 {figures.p50_ms:.1f} ms, "
            f"p99 {figures.p99_ms:.1f} ms, errors {figures.errors}"
        )
        run.rows.append(
            report.Row(
                scenario.name,
                run.database,
                run.n,
                figures.rps,
                figures.p50_ms,
                figures.p99_ms,
                figures.errors,
                figures.requests,
                workers=workers,
            )
        )


def profile_misses(
    run: report.Run,
    pid: int,
    scenarios: list[Scenario],
    key: str,
    meta: dict[str, Any],
    seconds: int,
    stem: str,
    freezes: int = 0,
) -> None:
    """Measure `run` against its targets (again: each call has more rows); profile each of
    `scenarios` that misses one, once, with py-spy on `pid` while wrk loads it again (unless
    BENCH_PROFILE=0)."""
    report.fill_ratios(run)
    run.targets = targets.evaluate(run)
    missed = {o.scenario for o in run.targets if targets.profiled(o)}
    on = os.environ.get("BENCH_PROFILE", "1") != "0"
    for scenario in (s for s in scenarios if s.name in missed and on):
        print(f"[{run.database} N={run.n}] profiling {scenario.name}: it missed a target")
        profile = report.Profile(scenario.name, run.database, run.n)
        profiling.record(
            profile,
            f"{stem}-{scenario.name}-{run.database}.txt",
            pid,
            seconds,
            partial(load_once, scenario, key, meta, seconds),
            pg_database(run.n, freezes) if run.database == "postgresql" else None,
        )
        run.profiles.append(profile)
    for outcome in run.targets:
        outcome.profile = _profile_note(outcome, run.profiles, on)


def _profile_note(outcome: report.Outcome, profiles: list[report.Profile], on: bool) -> str:
    if outcome.met is not False:
        return ""
    if not targets.profiled(outcome):
        return "not a CPU target: no profile"
    if not on:
        return "not profiled (BENCH_PROFILE=0)"
    profile = next((p for p in profiles if p.scenario == outcome.scenario), None)
    return (profile.stacks or profile.note) if profile else "not profiled"


def verified(key: str, meta: dict[str, Any]) -> list[str]:
    return verify.verify(
        PORT,
        key,
        meta["first"],
        meta["last"],
        meta["history_id"],
        meta["main_count"],
        meta.get("web_cookie", ""),
    )


def run_one(
    database: str,
    n: int,
    scenarios: list[Scenario],
    seconds: int,
    two_workers: list[Scenario] | None = None,
    *,
    kind: str = "main",
    stem: str = "latest",
    freezes: int = 0,
) -> report.Run:
    """Seed (or reuse), serve with one worker, verify, load, profile the scenarios that miss
    a target (raw stacks named after `stem`); then, if `two_workers` names scenarios, serve
    again with two workers, verify again and load those."""
    meta = prepare(database, n, freezes)
    url = database_url(database, n, freezes)
    key = new_key(url)
    server = start_server(url)
    try:
        run = report.Run(
            database=database,
            n=n,
            seed_seconds=meta["seconds"],
            seed_rows=meta["rows"],
            rss_before_mb=rss_mb(server.pid),
            rss_after_mb=0,
            verified=[],
            kind=kind,
            connections=env_int("BENCH_CONNECTIONS", 32),
        )
        meta["web_cookie"] = web_cookie()
        meta["url"] = url
        run.verified = verified(key, meta)
        if freezes:
            run.verified += verify.verify_schedule(PORT, key, meta["first"], meta["last"])
        run.response_bytes = response_sizes(key, meta)
        # Reads, then writes, each group profiled before the next changes the data it reads.
        for group in ([s for s in scenarios if not s.writes], [s for s in scenarios if s.writes]):
            load(run, group, key, meta, seconds)
            run.rss_after_mb = rss_mb(server.pid)
            profile_misses(run, server.pid, group, key, meta, seconds, stem, freezes)
    finally:
        stop_server(server)
    if two_workers:
        server = start_server(url, workers=2)
        try:
            again = verified(key, meta)
            run.verified.append(f"the same {len(again)} checks again under two workers")
            load(run, two_workers, key, meta, seconds, workers=2)
        finally:
            stop_server(server)
    run.plans = asyncio.run(_plans(url, meta["main_count"], schedule=freezes > 0))
    report.fill_ratios(run)
    return run


async def _plans(url: str, main_count: int, *, schedule: bool = False) -> dict[str, str]:
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            if schedule:
                return await explain.schedule_plans(session)
            return await explain.plans(session, main_count)
    finally:
        await db.dispose()


def main() -> None:
    n = env_int("BENCH_N", 100_000)
    seconds = env_int("BENCH_SECONDS", 10)
    choice = os.environ.get("BENCH_DB", "both")
    databases = ["sqlite", "postgresql"] if choice == "both" else [choice]
    wanted = [s for s in os.environ.get("BENCH_SCENARIOS", "").split(",") if s]
    chosen = [s for s in SCENARIOS if not wanted or s.name in wanted]
    scenarios = [s for s in chosen if not s.schedule]
    # Reads first: the writes change the data the reads see.
    scenarios.sort(key=lambda s: s.writes)
    facts = report.machine_facts()
    scaling_only = "--scaling" in sys.argv
    if not scaling_only:
        two = []
        if os.environ.get("BENCH_TWO_WORKERS", "1") != "0":
            two = [s for s in scenarios if s.name in TWO_WORKER_SCENARIOS]
        name = os.environ.get("BENCH_REPORT", "latest")
        runs = [run_one(db, n, scenarios, seconds, two, stem=name) for db in databases if scenarios]
        title = f"releasedesk benchmark, N = {n:,}" if runs else "releasedesk benchmark"
        schedule_n = env_int("BENCH_SCHEDULE_N", 10_000)
        on_schedule = [s for s in chosen if s.schedule]
        if schedule_n and on_schedule:
            refs = [s for s in SCENARIOS if s.name in ("bare_asgi", "ceiling")]
            freezes = env_int("BENCH_FREEZES", 100)
            runs += [
                run_one(
                    db,
                    schedule_n,
                    refs + on_schedule,
                    seconds,
                    kind="schedule",
                    stem=name,
                    freezes=freezes,
                )
                for db in databases
            ]
            title += f"; schedule: N = {schedule_n:,} with {freezes} freeze windows"
        path = report.write(
            runs,
            facts,
            seconds,
            name,
            title,
            env_int("BENCH_CONNECTIONS", 32),
        )
        print(f"report: {path}")
    default_sizes = "10000,100000,1000000" if scaling_only else ""
    sizes = [int(x) for x in os.environ.get("BENCH_SCALING", default_sizes).split(",") if x]
    if sizes:
        ref = [s for s in SCENARIOS if s.name in ("bare_asgi", "ceiling") or s.list_scenario]
        scaling = [
            run_one(db, size, ref, seconds, kind="scaling", stem=f"scaling-{size}")
            for db in databases
            for size in sizes
        ]
        path = report.write(
            scaling,
            facts,
            seconds,
            "scaling",
            "releasedesk list scaling, N = " + ", ".join(f"{s:,}" for s in sizes),
            env_int("BENCH_CONNECTIONS", 32),
        )
        print(f"scaling report: {path}")


if __name__ == "__main__":
    main()
