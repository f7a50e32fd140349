"""A real server for tests that need real concurrency: uvicorn on 127.0.0.1, a free port,
the suite's database. Import the fixture into a test module: `from tests.served import
served_fixture`; tests then take `served`.

TestClient and ASGITransport run requests on one event loop in the test's process, so they
cannot show what concurrent clients do to the database; this serves the app over TCP, with
its own engine and connection pool, the way `releasedesk serve` does.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from releasedesk.app import create_app
from releasedesk.settings import Settings

STARTUP_LIMIT_SECONDS = 30.0
# The auth listeners of the served apps running now: they share the process's auth cache
# with the tests' own app, so a test that checks the cache waits for them too.
LISTENERS: list[object] = []


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"authtoken": key}, timeout=120)

    def at_once(
        self, key: str, count: int, send: Callable[[httpx.Client, int], httpx.Response]
    ) -> list[httpx.Response]:
        """`send(client, n)` for n in range(count), each on its own thread and connection,
        all released together; the responses in n order."""
        clients = [self.client(key) for _ in range(count)]
        start = threading.Barrier(count)

        def one(n: int) -> httpx.Response:
            start.wait()
            return send(clients[n], n)

        try:
            with ThreadPoolExecutor(max_workers=count) as pool:
                return list(pool.map(one, range(count)))
        finally:
            for client in clients:
                client.close()


def _bound_socket() -> socket.socket:
    """A listening socket on a free port, handed to uvicorn (no pick-then-bind race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)


@pytest.fixture(scope="session", name="served")
def served_fixture(settings: Settings) -> Iterator[Served]:
    """The app served by uvicorn on a thread of its own, for the whole session."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_started(server, thread)
        LISTENERS.append(app.state.auth_listener)
        yield Served(f"http://127.0.0.1:{port}")
    finally:
        LISTENERS.remove(app.state.auth_listener)
        server.should_exit = True
        thread.join(timeout=STARTUP_LIMIT_SECONDS)
        sock.close()
