"""Waiting for a bench server to answer on its port (the bench and bench.ab start theirs)."""

from __future__ import annotations

import socket
import subprocess
import time


def wait_until_serving(
    process: subprocess.Popen[bytes], port: int, what: str, tries: int
) -> subprocess.Popen[bytes]:
    """`process` once 127.0.0.1:`port` accepts a connection (at most `tries` times 0.2 s); killed
    and an error naming `what` if it never does."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {what} did not start")
