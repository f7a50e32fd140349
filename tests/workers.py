"""Server processes for tests that need more than one worker: `releasedesk serve` on free
127.0.0.1 ports over the suite's database, each its own process with its own connection
pool, exactly as deployed (only the port differs, so a test knows which worker answers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_LIMIT_SECONDS = 60.0  # two shared cores: starting Python and the app takes a while


@dataclass(frozen=True)
class Worker:
    url: str  # http://127.0.0.1:PORT
    log: Path  # its stdout and stderr

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_answering(worker: Worker, process: subprocess.Popen[bytes], deadline: float) -> None:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"worker {worker.url} exited:\n{worker.output()}")
        try:
            httpx.get(worker.url + "/api/v3/releases", timeout=2)  # 401 is an answer
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {worker.url} did not start:\n{worker.output()}")
            time.sleep(0.1)


@contextmanager
def serve_workers(
    database_url: str,
    var_dir: Path,
    count: int,
    *,
    workers_each: int = 1,
    env: Mapping[str, str] | None = None,
) -> Iterator[list[Worker]]:
    """`count` processes of `releasedesk serve` (each `--workers workers_each`, with `env`
    added to the environment), answering before this yields; stopped after."""
    env = {
        **os.environ,
        "RELEASEDESK_DATABASE_URL": database_url,
        "RELEASEDESK_VAR_DIR": str(var_dir),
        **(env or {}),
    }
    started: list[tuple[Worker, subprocess.Popen[bytes]]] = []
    try:
        for n in range(count):
            port = _free_port()
            worker = Worker(f"http://127.0.0.1:{port}", var_dir / f"worker-{n}.log")
            with worker.log.open("wb") as log:
                command = [sys.executable, "-m", "releasedesk", "serve", "--port", str(port)]
                command += ["--workers", str(workers_each)]
                process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            started.append((worker, process))
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS * workers_each
        for worker, process in started:
            _wait_answering(worker, process, deadline)
        yield [worker for worker, _ in started]
    finally:
        for _, process in started:
            process.terminate()
        for _, process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
