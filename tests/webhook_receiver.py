"""A real HTTP receiver for webhook tests: a threaded server on 127.0.0.1 that keeps every
request it gets and answers each from a script (200 when the script runs out). It can hold
the next requests unanswered (`hold_next`) until `release`, so a test can kill a sender
while its delivery is in flight."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    peer_port: int = 0  # the sender's end of the connection

    def json(self) -> dict[str, object]:
        value = orjson.loads(self.body)
        assert isinstance(value, dict)
        return value


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[Answer] = []
        self._lock = threading.Lock()
        self._to_hold = 0
        self.held = threading.Event()  # set once a request is being held
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            self.client_address[1],
                        )
                    )
                    answer = receiver.script.pop(0) if receiver.script else Answer()
                    holding = receiver._to_hold > 0
                    receiver._to_hold -= holding
                if holding:
                    receiver.held.set()
                    receiver._released.wait(60)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    if not holding:  # a held request's sender may be gone: that is the test
                        raise

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def answer(self, *answers: Answer) -> None:
        with self._lock:
            self.script.extend(answers)

    def hold_next(self, count: int = 1) -> None:
        """Keep the next `count` requests unanswered until `release` (taken as received)."""
        with self._lock:
            self._to_hold = count
            self.held.clear()
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def types(self) -> list[str]:
        return [str(r.json()["type"]) for r in self.received]


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release()
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join()
