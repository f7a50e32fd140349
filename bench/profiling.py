"""Profile a missed scenario: py-spy on the server while wrk loads it again.

The raw collapsed stacks (`py-spy record -f raw`) are saved under bench/results/profiles/;
the report gets the top frames by inclusive share, grouped: releasedesk (and bench) frames by
module and function, the rest by layer (FastAPI dependency solving, Starlette, SQLAlchemy,
the driver, uvicorn, the event loop). CPU per request of the server and, on PostgreSQL, of the
backends serving it comes from /proc, as in bench/ab.py.
"""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

from bench.ab import TICK_MS, BackendClock, cpu_ticks
from bench.report import RESULTS, Profile, Share
from bench.wrk import Figures

PROFILES = RESULTS / "profiles"
TOP = 12
TOP_OWN = 5
TOP_CODE = 8
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# First match wins: a path fragment of the frame's file, and the layer it stands for.
LAYERS: tuple[tuple[str, str], ...] = (
    ("fastapi/dependencies/", "fastapi: dependency solving"),
    ("fastapi/", "fastapi: routing, validation, serialising"),
    ("starlette/middleware/", "starlette: middleware"),
    ("starlette/routing.py", "starlette: routing"),
    ("starlette/", "starlette: requests, responses"),
    ("sqlalchemy/orm/", "sqlalchemy: ORM session, loading"),
    ("sqlalchemy/sql/", "sqlalchemy: statement building, compiling"),
    ("sqlalchemy/engine/", "sqlalchemy: execution, result rows"),
    ("sqlalchemy/dialects/", "sqlalchemy: dialect, driver adapter"),
    ("sqlalchemy/pool/", "sqlalchemy: connection pool"),
    ("sqlalchemy/util/_concurrency", "sqlalchemy: greenlet bridge"),
    ("sqlalchemy/util/", "sqlalchemy: util (caches, collections)"),
    ("sqlalchemy/ext/asyncio/", "sqlalchemy: asyncio front"),
    ("sqlalchemy/", "sqlalchemy: other"),
    ("asyncpg/", "asyncpg"),
    ("aiosqlite/", "aiosqlite"),
    ("sqlite3/", "sqlite3"),
    ("uvicorn/", "uvicorn, h11, httptools"),
    ("h11/", "uvicorn, h11, httptools"),
    ("httptools/", "uvicorn, h11, httptools"),
    ("asyncio/", "event loop"),
    ("uvloop/", "event loop"),
    ("pydantic/", "pydantic"),
    ("anyio/", "anyio"),
    ("multipart/", "python-multipart"),
    ("threading.py", "worker threads"),
)
WAITS = {"Condition.wait", "Event.wait", "Thread.join", "Thread._wait_for_tstate_lock"}
OWN_CODE = ("releasedesk/", "bench/")
# How a thread's stack starts; any other start is a greenlet's (SQLAlchemy runs its sync code
# in one, on the event loop's thread), which py-spy shows apart from the request's frames.
ROOTS = ("_run_module_as_main (", "<module> (", "Thread._bootstrap (")
GREENLET = "greenlet: SQLAlchemy's sync code (apart from the request's frames)"


def py_spy() -> str | None:
    """The py-spy beside this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def group(frame: str) -> str:
    """The group a py-spy frame `function (path/file.py:line)` counts under."""
    match = FRAME.match(frame)
    if not match:
        return f"other: {frame}"
    function, path = match["function"], "/" + match["file"]
    for own in OWN_CODE:
        at = path.find("/" + own)
        if at >= 0:
            module = path[at + 1 :].removesuffix(".py").replace("/", ".")
            return f"{module}.{function}"
    layer = next((name for part, name in LAYERS if "/" + part in path), None)
    return layer or "python: " + path.strip("/").split("/")[0].removesuffix(".py")


def parse(raw: str) -> Counter[tuple[str, ...]]:
    """Collapsed stacks, root first, with their sample counts."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            stacks[tuple(f for f in stack.split(";") if f)] += int(count)
    return stacks


@cache
def _aiosqlite_worker() -> tuple[str, str]:
    """The frames of aiosqlite's worker thread waiting on its queue and calling into SQLite
    (C, so the worker's own line is the leaf): found by line in the installed aiosqlite."""
    import aiosqlite.core

    lines, start = inspect.getsourcelines(aiosqlite.core._connection_worker_thread)

    def frame(code: str) -> str:
        at = start + next(i for i, line in enumerate(lines) if code in line)
        return f"_connection_worker_thread (aiosqlite/core.py:{at})"

    return frame("tx.get()"), frame("function()")


def waiting(frames: tuple[str, ...]) -> bool:
    """A thread blocked, not working: py-spy counts some such samples as busy."""
    if not frames:
        return False
    leaf = FRAME.match(frames[-1])
    if leaf and leaf["file"] == "threading.py" and leaf["function"] in WAITS:
        return True
    return frames[-1] == _aiosqlite_worker()[0]


def _groups(frames: tuple[str, ...]) -> list[str]:
    """The groups of one stack, root first; a main-thread stack from the event loop on (the
    interpreter's and uvicorn's start-up frames below it say nothing)."""
    loop = next((i for i, f in enumerate(frames) if "(asyncio/" in f or "(uvloop/" in f), 0)
    groups = [group(f) for f in frames[loop:]] or ["(no Python frame)"]
    if frames and not frames[0].startswith(ROOTS):
        groups.insert(0, GREENLET)
    if frames and frames[-1] == _aiosqlite_worker()[1]:
        groups.append("sqlite: the engine (C), in aiosqlite threads")
    return groups


def shares(stacks: Counter[tuple[str, ...]]) -> list[Share]:
    """Every group's share of the samples: in the stack anywhere (inclusive), or on top."""
    total = sum(stacks.values()) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks.items():
        groups = _groups(frames)
        for name in set(groups):
            inclusive[name] += count
        own[groups[-1]] += count
    return [Share(name, inclusive[name] / total, own[name] / total) for name in inclusive]


def summarise(profile: Profile, raw: str) -> None:
    """The top groups of busy samples; threads waiting are counted apart."""
    stacks = parse(raw)
    busy = Counter({frames: n for frames, n in stacks.items() if not waiting(frames)})
    profile.samples = sum(busy.values())
    profile.waiting = sum(stacks.values()) - profile.samples
    every = shares(busy)
    profile.top = sorted(every, key=lambda s: -s.inclusive)[:TOP]
    profile.top_own = sorted(every, key=lambda s: -s.own)[:TOP_OWN]
    ours = [s for s in every if s.group.startswith(tuple(o.rstrip("/") + "." for o in OWN_CODE))]
    profile.top_code = sorted(ours, key=lambda s: -s.inclusive)[:TOP_CODE]


def _record(
    tool: str, pid: int, seconds: int, out: Path, load: Callable[[], Figures]
) -> tuple[subprocess.CompletedProcess[str], Figures]:
    spy = subprocess.Popen(
        [tool, "record", "-p", str(pid), "-d", str(seconds), "-f", "raw", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        figures = load()
    except BaseException:
        spy.kill()
        spy.wait()
        raise
    output, _ = spy.communicate(timeout=seconds + 60)
    return subprocess.CompletedProcess(spy.args, spy.returncode, output), figures


def record(
    profile: Profile,
    name: str,
    pid: int,
    seconds: int,
    load: Callable[[], Figures],
    pg_database: str | None,
) -> None:
    """Fill `profile` from py-spy on `pid` while `load` runs (wrk, about `seconds`), the raw
    stacks saved as PROFILES/`name`; on PostgreSQL also the CPU of `pg_database`'s backends.
    Without py-spy, or when it fails, a note says why."""
    tool = py_spy()
    if tool is None:
        profile.note = "py-spy is not installed (it is in the dev extra: pip install -e '.[dev]')"
        return
    out = PROFILES / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    server_before = cpu_ticks(pid)
    clock = BackendClock(pg_database) if pg_database else None
    done, figures = _record(tool, pid, seconds, out, load)
    server_ticks = cpu_ticks(pid) - server_before
    requests = max(figures.requests, 1)
    profile.seconds, profile.rps = seconds, figures.rps
    profile.server_ms = server_ticks * TICK_MS / requests
    if clock:
        profile.database_ms = clock.stop() * TICK_MS / requests
        profile.backends = len(clock.start)
    if done.returncode or not out.exists():
        said = [x for x in done.stdout.splitlines() if x.startswith("Error")] or ["no error"]
        profile.note = f"py-spy failed ({done.returncode}): {said[0]}"
        return
    profile.stacks = str(out.relative_to(RESULTS))
    summarise(profile, out.read_text())
