"""Run one scenario with wrk in its own process and read the figures its done() prints."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import PRIORITIES, Scenario

LUA_TEMPLATE = """
wrk.headers["authtoken"] = "{key}"
wrk.headers["Cookie"] = "{cookie}"
first, last, history_id = {first}, {last}, {history_id}
priorities = {{"Low", "Medium", "Normal", "High"}}
paths = {{{paths}}}
form_headers = {{["Content-Type"] = "application/x-www-form-urlencoded",
                 ["authtoken"] = "{key}"}}

function form(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c)) end))
end

function pick(t) return t[math.random(1, #t)] end

-- Each wrk thread takes every `threads`-th path, from its own start: no path twice.
local started = 0
function setup(thread)
  thread:set("thread_index", started)
  started = started + 1
end
taken = 0
function next_path()
  local index = (thread_index or 0) + taken * {threads} + 1
  taken = taken + 1
  return paths[((index - 1) % #paths) + 1]
end

math.randomseed({seed})
request = function()
  {body}
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,'
    .. '"p50_us":%d,"p99_us":%d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Figures:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def lua_for(
    scenario: Scenario,
    *,
    key: str,
    first: int,
    last: int,
    history_id: int,
    count: int,
    cookie: str = "",
    pool: list[str] | None = None,
    threads: int = 2,
) -> str:
    paths = pool if pool is not None else scenario.paths(count) if scenario.paths else []
    assert PRIORITIES  # the Lua table above mirrors it
    return LUA_TEMPLATE.format(
        key=key,
        cookie=cookie,
        first=first,
        last=last,
        history_id=history_id,
        seed=7,
        paths=", ".join(json.dumps(p) for p in paths),
        threads=threads,
        body=scenario.lua,
    )


def run(
    scenario: Scenario,
    lua: str,
    *,
    port: int,
    seconds: int,
    connections: int = 32,
    threads: int = 2,
) -> Figures:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next(x for x in completed.stdout.splitlines() if x.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    seconds_taken = data["duration_us"] / 1e6
    return Figures(
        requests=data["requests"],
        rps=data["requests"] / seconds_taken if seconds_taken else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["non2xx"] + data["socket_errors"],
    )
