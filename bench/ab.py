"""A/B: this checkout against another one (an older commit's worktree with its own .venv),
on PostgreSQL, in alternating rounds, measuring what a noisy shared machine cannot blur:
CPU time per request of the server process and of the database backends serving it, beside
req/s.

    python -m bench.ab /work/baseline            # rounds=3, 10 s per scenario
    BENCH_AB_ROUNDS=5 BENCH_SECONDS=15 python -m bench.ab /work/baseline

Each side seeds (or reuses) its own database with its own seeding code and schema: the other
checkout's bench names its database rd_bench_N, this one rd_ab_N. Every round serves side A,
loads each scenario with wrk, stops it, then does the same for side B, so drift in the
machine's load falls on both sides alike. CPU comes from /proc: the server's utime + stime,
and that of every PostgreSQL backend whose process title names the side's database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from bench import wrk
from bench.scenarios import SCENARIOS, Scenario
from bench.serving import wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
PORT = 8399
N = int(os.environ.get("BENCH_N", "100000"))
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
PREPARE = """
import json, os
from bench.__main__ import database_url, new_key, prepare
meta = prepare("postgresql", {n})
url = database_url("postgresql", {n})
print("AB " + json.dumps({{"meta": meta, "url": url, "key": new_key(url)}}))
"""


@dataclass
class Side:
    name: str
    root: Path
    env: dict[str, str]
    meta: dict[str, int] = field(default_factory=dict)
    url: str = ""
    key: str = ""

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")

    @property
    def database(self) -> str:
        return self.url.rsplit("/", 1)[1]

    def prepare(self) -> None:
        out = subprocess.run(
            [self.python, "-c", PREPARE.format(n=N)],
            cwd=self.root,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("AB "))
        given = json.loads(line[3:])
        self.meta, self.url, self.key = given["meta"], given["url"], given["key"]

    def serve(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                *(self.python, "-m", "uvicorn", "bench.server:create_bench_app", "--factory"),
                *("--port", str(PORT), "--no-access-log", "--log-level", "warning"),
            ],
            cwd=self.root,
            env={**self.env, "RELEASEDESK_DATABASE_URL": self.url},
        )
        return wait_until_serving(process, PORT, f"{self.name} server", tries=150)


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _backends(database: str) -> list[int]:
    """PostgreSQL backends serving `database` (their process title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            pids.append(int(entry.name))
    return pids


@dataclass(frozen=True)
class Sample:
    side: str
    scenario: str
    rps: float
    server_ms: float  # CPU per request
    db_ms: float
    backends: int  # database connections seen during the run (more than the pool: churn)


class BackendClock:
    """CPU of the backends serving a database while it runs: the pool opens and closes
    connections under load, so backends are sampled often, each counted from its ticks when
    first seen (0 for one started meanwhile) to its last sample."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.start = {pid: cpu_ticks(pid) for pid in _backends(database)}
        self.last = dict(self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            for pid in _backends(self.database):
                ticks = cpu_ticks(pid)
                self.start.setdefault(pid, 0)
                if ticks:
                    self.last[pid] = max(self.last.get(pid, 0), ticks)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        for pid in self.start:
            self.last[pid] = max(self.last.get(pid, 0), cpu_ticks(pid))
        return sum(self.last[pid] - self.start[pid] for pid in self.start)


def _measure(side: Side, scenario: Scenario, seconds: int) -> Sample:
    lua = wrk.lua_for(
        scenario,
        key=side.key,
        first=side.meta["first"],
        last=side.meta["last"],
        history_id=side.meta["history_id"],
        count=side.meta["main_count"],
    )
    server = side.serve()
    try:
        wrk.run(scenario, lua, port=PORT, seconds=2, connections=32)  # warm the pool
        server_before = cpu_ticks(server.pid)
        clock = BackendClock(side.database)
        figures = wrk.run(scenario, lua, port=PORT, seconds=seconds, connections=32)
        db_ticks = clock.stop()
        backends = len(clock.start)
        server_ticks = cpu_ticks(server.pid) - server_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    requests = max(figures.requests, 1)
    return Sample(
        side.name,
        scenario.name,
        figures.rps,
        server_ticks * TICK_MS / requests,
        db_ticks * TICK_MS / requests,
        backends,
    )


def main() -> None:
    other = Path(sys.argv[1]).resolve()
    rounds = int(os.environ.get("BENCH_AB_ROUNDS", "3"))
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    wanted = os.environ.get("BENCH_SCENARIOS", "get_by_id,list_default").split(",")
    scenarios = [s for s in SCENARIOS if s.name in wanted]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_PG_DATABASE")}
    sides = [
        Side("before", other, base_env),
        Side("after", ROOT, {**base_env, "BENCH_PG_DATABASE": "rd_ab"}),
    ]
    for side in sides:
        side.prepare()
    samples: list[Sample] = []
    for round_no in range(rounds):
        for side in sides if round_no % 2 == 0 else reversed(sides):
            for scenario in scenarios:
                sample = _measure(side, scenario, seconds)
                samples.append(sample)
                print(
                    f"round {round_no + 1} {sample.side:6} {sample.scenario:14} "
                    f"{sample.rps:7.0f} req/s  server {sample.server_ms:5.2f} ms  "
                    f"db {sample.db_ms:5.2f} ms CPU per request, {sample.backends} backends",
                    flush=True,
                )
    print("\nmedians over the rounds")
    for scenario in scenarios:
        for side in sides:
            mine = [s for s in samples if s.side == side.name and s.scenario == scenario.name]
            print(
                f"{scenario.name:14} {side.name:6} {median(s.rps for s in mine):7.0f} req/s  "
                f"server {median(s.server_ms for s in mine):5.2f} ms  "
                f"db {median(s.db_ms for s in mine):5.2f} ms"
            )


if __name__ == "__main__":
    main()
