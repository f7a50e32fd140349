"""A page that fails unexpectedly answers a 500 page a person understands and logs one record
of bounded size, as the APIs do (failure_log.py): a deep failure's whole traceback was a
thousand frames."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from releasedesk.core.releases import service as releases
from releasedesk.failure_log import MAX_RECORD
from tests.helpers import Desk
from tests.web.web_client import signed_in


def _deep(level: int) -> int:
    """Recursion through a generator: frames Python's traceback does not fold."""
    return next(_deep(level + 1) for _ in (1,))


async def _failing_list(*_args: Any, **_kwargs: Any) -> Any:
    _deep(0)


def test_a_failing_page_logs_one_bounded_record(
    desk: Desk, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = signed_in(desk, desk.admin.name)
    monkeypatch.setattr(releases, "list_releases", _failing_list)
    with caplog.at_level(logging.ERROR, logger="releasedesk.web"):
        response = browser.get("releases")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Traceback" not in response.text
    records = [r for r in caplog.records if "web page GET" in r.getMessage()]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "RecursionError" in message and "frames omitted" in message
    assert records[0].exc_info is None  # no full traceback appended by the handler
    assert len(message) <= MAX_RECORD + 200
