"""A harness for kill -9 tests: one `releasedesk serve` process that a test SIGKILLs and
starts again on the same port over the same database, and concurrent clients that keep
writing through the kills and note every write the server acknowledged (a 2xx received).

A test then checks each acknowledged write is in the database after the restart. Writes
that got no answer (the connection died with the server) are unknown either way and are
not checked; a client that loses its server starts its next piece of work from scratch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.workers import STARTUP_LIMIT_SECONDS, Worker, _free_port, _wait_answering


class ServerProcess:
    """`releasedesk serve` on a port of its own, killed and started again at will; every
    run's output appended to one log."""

    def __init__(self, database_url: str, var_dir: Path, env: Mapping[str, str]) -> None:
        self.worker = Worker(f"http://127.0.0.1:{_free_port()}", var_dir / "server.log")
        self.env = {
            **os.environ,
            "RELEASEDESK_DATABASE_URL": database_url,
            "RELEASEDESK_VAR_DIR": str(var_dir),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.start_seconds: list[float] = []  # how long each start took to answer

    @property
    def url(self) -> str:
        return self.worker.url

    def start(self) -> None:
        """Start it and return once it answers."""
        assert self.process is None, "already running"
        port = self.url.rpartition(":")[2]
        command = [sys.executable, "-m", "releasedesk", "serve", "--port", port]
        began = time.monotonic()
        with self.worker.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_answering(self.worker, self.process, began + STARTUP_LIMIT_SECONDS)
        self.start_seconds.append(round(time.monotonic() - began, 2))

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lifespan, no flush; the process is gone on return."""
        assert self.process is not None, "not running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None
        self.kills += 1

    def stop(self) -> None:
        """The ordinary way: SIGTERM, so the lifespan stops the sender."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def output(self) -> str:
        return self.worker.output()


class Acknowledged:
    """What the server acknowledged, by kind: kind -> list of what the client was told."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, list[object]] = {}
        self.unanswered = 0  # requests cut off mid-way (the server was killed)
        self.refused: Counter[int] = Counter()  # non-2xx answers, by status
        self.server_errors: list[str] = []  # 5xx answers: never acceptable

    def note(self, kind: str, what: object) -> None:
        with self._lock:
            self._seen.setdefault(kind, []).append(what)

    def of(self, kind: str) -> list[object]:
        with self._lock:
            return list(self._seen.get(kind, []))

    def total(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._seen.values())

    def lost_answer(self) -> None:
        with self._lock:
            self.unanswered += 1

    def answered(self, response: httpx.Response) -> bool:
        """Whether it is a 2xx; anything else is counted (5xx kept with its text)."""
        if response.is_success:
            return True
        with self._lock:
            self.refused[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{response.request.url}: {response.text[:500]}")
        return False


Work = Callable[[httpx.Client, int, Acknowledged], None]


@contextmanager
def load(
    base_url: str, clients: int, work: Work, acknowledged: Acknowledged
) -> Iterator[threading.Event]:
    """`clients` threads, each calling `work(client, n, acknowledged)` over and over until
    the block ends; a transport error (the server died mid-request, or is down) ends that
    call. Yields
    an event that is set while the block lasts; clear it to stop them early."""
    running = threading.Event()
    running.set()
    failures: list[BaseException] = []

    def client_loop(n: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while running.is_set():
                try:
                    work(client, n, acknowledged)
                except httpx.ConnectError:
                    time.sleep(0.05)  # the server is down: wait for the restart
                except httpx.TransportError:
                    acknowledged.lost_answer()  # cut off mid-request by the kill
                except BaseException as failure:  # an assertion in `work`: stop and report
                    failures.append(failure)
                    running.clear()

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield running
    finally:
        running.clear()
        for thread in threads:
            thread.join(timeout=60)
    if failures:
        raise failures[0]


def wait_for(condition: Callable[[], bool], seconds: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(every)
