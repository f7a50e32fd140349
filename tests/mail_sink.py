"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts.

`hold_next()` makes it keep the next message's reply back: the message is recorded (the
server has it) but the sender has no `250` yet, the window in which a sender that dies
leaves a delivery unrecorded (tests/durability.py kills the server there).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOLD_LIMIT_SECONDS = 60.0


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self._lock = threading.Lock()
        self._hold = False
        self._hold_for: set[str] = set()
        self.held = threading.Event()  # set once a held message has arrived
        self._released = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
            holding = self._hold and bool(self._hold_for.intersection(envelope.rcpt_tos))
            self._hold = self._hold and not holding
        if holding:
            self.held.set()
            # the releasing side is the test's thread, not this loop
            await asyncio.to_thread(self._released.wait, HOLD_LIMIT_SECONDS)
        return "250 OK"

    def hold_next(self, to: set[str]) -> None:
        """Keep the reply to the next message to one of `to` back until release()."""
        with self._lock:
            self.held.clear()
            self._released.clear()
            self._hold, self._hold_for = True, set(to)

    def release(self) -> None:
        with self._lock:
            self._hold = False
        self._released.set()

    def snapshot(self) -> list[tuple[list[str], EmailMessage]]:
        with self._lock:
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.snapshot() if address in rcpt]

    def copies_by_message_id(self, addresses: set[str]) -> Counter[str]:
        """How many times each Message-ID reached any of `addresses`."""
        return Counter(
            str(m["Message-ID"]) for rcpt, m in self.snapshot() if addresses.intersection(rcpt)
        )

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
            return AuthResult(success=data.password == b"p@ss w0rd")
        return AuthResult(success=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """aiosmtpd on a port of its own, started and stopped at will."""

    def __init__(self, port: int | None = None, **options: Any) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.options = options
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()

    def stop(self) -> None:
        self.inbox.release()  # a held reply must not keep the server from stopping
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
