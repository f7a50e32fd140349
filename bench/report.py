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
TARGETS_N = 100_000  # the N the performance issue states the main run's targets at


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
class Outcome:
    """One target (bench/targets.py) against one run: what was measured, and whether it met."""

    target: str  # as the report states it, e.g. "get_by_id ÷ bare ASGI ≥ 0.05"
    scenario: str
    measure: str
    op: str  # ">=" or "<": how the value is to stand to the bound
    bound: float
    database: str
    n: int
    value: float | None  # None: this run did not measure it
    shown: str  # the value as the report prints it
    met: bool | None
    reads: bool = True  # of a scenario that only reads (SQLite is to meet these as PostgreSQL)
    profile: str = ""  # a miss: its raw stacks, relative to bench/results, or why there are none


@dataclass
class Share:
    """A group of frames and the share of the profile's samples it is in, or on top of."""

    group: str
    inclusive: float
    own: float


@dataclass
class Profile:
    """py-spy on the server while wrk loaded a missed scenario again (bench/profile.py)."""

    scenario: str
    database: str
    n: int
    stacks: str = ""  # the raw collapsed stacks, relative to bench/results
    note: str = ""  # why there is no profile, when there is none
    seconds: int = 0
    samples: int = 0  # busy: the shares below are of these
    waiting: int = 0  # samples of threads blocked (aiosqlite's workers between statements)
    rps: float = 0.0  # under py-spy, which pauses the server to sample it
    server_ms: float | None = None  # CPU per request of the server process
    database_ms: float | None = None  # of the PostgreSQL backends serving it
    backends: int | None = None
    top: list[Share] = field(default_factory=list)  # by inclusive share
    top_own: list[Share] = field(default_factory=list)  # by own (leaf) share
    top_code: list[Share] = field(default_factory=list)  # releasedesk's (and bench's) frames


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
    kind: str = "main"  # "main" (python -m bench) or "scaling"
    connections: int = 32
    targets: list[Outcome] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)


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
    lines += targets_section(runs)
    lines += profiles_section(runs)
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


def _met(met: bool | None) -> str:
    return "not run" if met is None else "yes" if met else "**missed**"


def _profile_cell(profile: str) -> str:
    return f"[stacks](profiles/{Path(profile).name})" if profile.endswith(".txt") else profile


def _tally(outcomes: list[Outcome], database: str) -> str:
    mine = [o for o in outcomes if o.database == database and o.met is not None]
    reads = [o for o in mine if o.reads]
    return (
        f"{database}: {sum(bool(o.met) for o in mine)} of {len(mine)} met "
        f"({sum(bool(o.met) for o in reads)} of {len(reads)} read targets)"
    )


def _stated_at(outcomes: list[Outcome]) -> str:
    if all(o.n == TARGETS_N for o in outcomes if "main run" in o.target):
        return ""
    return f" The main run's targets are stated for N = {TARGETS_N:,}: at another N, a guide."


def targets_section(runs: list[Run]) -> list[str]:
    """Each target that applies to these runs, the value measured and met or missed."""
    outcomes = [o for run in runs for o in run.targets]
    if not outcomes:
        return []
    lines = [
        "",
        "## Targets",
        "",
        "The performance issue's targets that apply to these runs (`bench/targets.py`), "
        "measured on one worker; each miss has its profile below." + _stated_at(outcomes),
        "",
        "| target | database | N | measured | met | profile |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.target} | {o.database} | {o.n:,} | {o.shown} | {_met(o.met)} | "
            f"{_profile_cell(o.profile)} |"
        )
    databases = dict.fromkeys(o.database for o in outcomes)
    tally = "; ".join(_tally(outcomes, d) for d in databases) + "."
    return [*lines, "", tally, *_alike(outcomes)]


def _alike(outcomes: list[Outcome]) -> list[str]:
    """Whether SQLite meets the read targets PostgreSQL meets (the issue asks for both)."""

    def met(database: str) -> set[str]:
        return {o.target for o in outcomes if o.database == database and o.reads and o.met}

    if {"sqlite", "postgresql"} - {o.database for o in outcomes}:
        return []
    pg_only, sqlite_only = met("postgresql") - met("sqlite"), met("sqlite") - met("postgresql")
    if not pg_only:
        count = len(met("postgresql"))
        return [f"SQLite meets every read target PostgreSQL meets ({count} of them)."]
    line = "SQLite misses read targets PostgreSQL meets: " + "; ".join(sorted(pg_only))
    return [line + (f" (and meets {len(sqlite_only)} PostgreSQL misses)." if sqlite_only else ".")]


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _waited(profile: Profile) -> str:
    return f" ({profile.waiting:,} of threads waiting left out)" if profile.waiting else ""


def _cpu(profile: Profile) -> str:
    if profile.server_ms is None:
        return ""
    if profile.database_ms is None:
        return f"; CPU per request: server {profile.server_ms:.2f} ms (SQLite runs inside it)"
    return (
        f"; CPU per request: server {profile.server_ms:.2f} ms, PostgreSQL backends "
        f"{profile.database_ms:.2f} ms ({profile.backends} backends)"
    )


def _profile_lines(profile: Profile, missed: list[Outcome]) -> list[str]:
    heading = f"### {profile.scenario}, {profile.database}, N = {profile.n:,}"
    misses = "Missed: " + "; ".join(f"{o.target}: {o.shown}" for o in missed) + "."
    if not profile.stacks:
        return ["", heading, "", misses, f"No profile: {profile.note.rstrip('.')}."]
    lines = [
        "",
        heading,
        "",
        misses,
        f"py-spy for {profile.seconds} s on the server while wrk loaded it again: "
        f"{profile.rps:,.0f} req/s (py-spy pauses the server to sample it), "
        f"{profile.samples:,} samples of work{_waited(profile)}{_cpu(profile)}. "
        f"Raw stacks: [{profile.stacks}]({profile.stacks}).",
        "",
        "| frames, grouped | inclusive | on top |",
        "|---|---|---|",
    ]
    lines += [f"| {s.group} | {_percent(s.inclusive)} | {_percent(s.own)} |" for s in profile.top]
    most = ", ".join(f"{s.group} {_percent(s.own)}" for s in profile.top_own)
    ours = ", ".join(f"{s.group} {_percent(s.inclusive)}" for s in profile.top_code)
    return [*lines, "", f"Most samples on top: {most}.", f"releasedesk, inclusive: {ours}."]


def profiles_section(runs: list[Run]) -> list[str]:
    """A short summary of each missed scenario's profile."""
    lines: list[str] = []
    for run in runs:
        for profile in run.profiles:
            missed = [o for o in run.targets if o.scenario == profile.scenario and o.met is False]
            lines += _profile_lines(profile, missed)
    return ["", "## Profiles of the misses", *lines] if lines else []


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
