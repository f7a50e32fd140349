"""An unexpected failure is logged as one record of bounded size (issue #19: a
RecursionError logged about 140 KB of traceback, a thousand frames, for every request)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from releasedesk.api.safety import CatchAllMiddleware
from releasedesk.failure_log import MAX_RECORD


def _deep(level: int) -> int:
    """Recursion through a generator, as the filter compiler's was: frames that differ
    in turn, which Python's traceback does not fold into "repeated N times" (38 KB)."""
    return next(_deep(level + 1) for _ in (1,))  # until the interpreter's recursion limit


async def _recursing_app(scope: Scope, receive: Receive, send: Send) -> None:
    _deep(0)


async def _chained_app(scope: Scope, receive: Receive, send: Send) -> None:
    try:
        _deep(0)
    except RecursionError as exc:
        raise RuntimeError("the search could not be compiled") from exc


@pytest.mark.parametrize("failing", [_recursing_app, _chained_app])
def test_a_deep_failure_logs_one_record_of_bounded_size(
    caplog: pytest.LogCaptureFixture, failing: Any
) -> None:
    app = CatchAllMiddleware(failing, render=lambda _: PlainTextResponse("failed", 500))
    with caplog.at_level(logging.ERROR, logger="releasedesk.api"):
        response = TestClient(app).get("/releases")
    assert response.status_code == 500
    records = [r for r in caplog.records if r.name == "releasedesk.api"]
    assert len(records) == 1
    logged = logging.Formatter().format(records[0])  # what a handler writes, traceback and all
    assert len(logged) <= MAX_RECORD + 200, len(logged)
    assert "RecursionError: maximum recursion depth exceeded" in logged
    if failing is _chained_app:
        assert "which caused:" in logged
        assert "RuntimeError: the search could not be compiled" in logged
    assert "frames omitted" in logged and "_deep" in logged  # where it failed is still shown
