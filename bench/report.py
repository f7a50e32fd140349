"""Write the results as markdown and JSON under bench/results/."""

from __future__ import annotations

import json
import platform
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass
class Row:
    scenario: str
    database: str
    n: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    vs_ceiling: float | None = None
    vs_bare: float | None = None
    workers: int = 1  # uvicorn worker processes serving this row
    vs_one_worker: float | None = None  # this scenario's req/s over its 1-worker req/s


@dataclass
class Run:
    database: str
    n: int
    seed_seconds: float
    seed_rows: dict[str, int]
    rss_before_mb: float
    rss_after_mb: float
    verified: list[str]
    rows: list[Row] = field(default_factory=list)
    plans: dict[str, str] = field(default_factory=dict)
    response_bytes: dict[str, int] = field(default_factory=dict)


def machine_facts() -> dict[str, str]:
    def command(*args: str) -> str:
        try:
            return (
                subprocess.run(args, capture_output=True, text=True, check=False, timeout=10)
                .stdout.strip()
                .splitlines()[0]
            )
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    return {
        "cores": command("nproc"),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "unknown",
        ),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": command("psql", "--version"),
        "wrk": command("wrk", "--version") or "wrk",
    }


def fill_ratios(run: Run) -> None:
    """Each row over the ceiling and the bare ASGI answer served by as many workers (so a
    2-worker GET is compared with the 2-worker references), and a 2-worker row over the
    same scenario at 1 worker."""
    by_key = {(r.scenario, r.workers): r for r in run.rows}
    for row in run.rows:
        ceiling = by_key.get(("ceiling", row.workers))
        bare = by_key.get(("bare_asgi", row.workers))
        one = by_key.get((row.scenario, 1))
        if ceiling and ceiling.rps:
            row.vs_ceiling = row.rps / ceiling.rps
        if bare and bare.rps:
            row.vs_bare = row.rps / bare.rps
        if row.workers != 1 and one and one.rps:
            row.vs_one_worker = row.rps / one.rps


def _ratio(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def markdown(
    runs: list[Run], facts: dict[str, str], seconds: int, title: str, connections: int = 32
) -> str:
    lines = [
        f"# {title}",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()),
        f"Load: wrk -t2 -c{connections}, {seconds} s per scenario, 127.0.0.1; one uvicorn "
        "worker unless the workers column says 2 (then ÷ ceiling and ÷ bare ASGI are to the "
        "2-worker references, and 'vs 1 worker' compares with the same scenario at one worker).",
        "",
    ]
    lines += [
        "| scenario | database | workers | N | req/s | p50 ms | p99 ms | errors "
        "| ÷ ceiling | ÷ bare ASGI | vs 1 worker |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for r in run.rows:
            lines.append(
                f"| {r.scenario} | {r.database} | {r.workers} | {r.n:,} | {r.rps:,.0f} | "
                f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | "
                f"{_ratio(r.vs_ceiling)} | {_ratio(r.vs_bare, 4)} | "
                f"{_ratio(r.vs_one_worker)} |"
            )
    for run in runs:
        seeded = ", ".join(f"{k} {v:,}" for k, v in run.seed_rows.items())
        sizes = ", ".join(f"{k} {v:,} B" for k, v in run.response_bytes.items())
        lines += [
            "",
            f"## {run.database}, N = {run.n:,}",
            "",
            f"- seed: {run.seed_seconds:.1f} s ({seeded})",
            f"- server RSS: {run.rss_before_mb:.0f} MB before load, "
            f"{run.rss_after_mb:.0f} MB after",
            f"- response sizes: {sizes}",
            "- verified before load: " + "; ".join(run.verified),
        ]
        for name, plan in run.plans.items():
            lines += ["", f"Plan of `{name}`:", "", "```", plan, "```"]
    return "\n".join(lines) + "\n"


def write(
    runs: list[Run],
    facts: dict[str, str],
    seconds: int,
    stem: str,
    title: str,
    connections: int = 32,
) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stem}.md"
    path.write_text(markdown(runs, facts, seconds, title, connections))
    data: dict[str, Any] = {
        "machine": facts,
        "seconds": seconds,
        "runs": [asdict(run) for run in runs],
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(data, indent=2))
    return path
