"""One log line per request (issue 21, item 3): a request id taken from `X-Request-ID` or
made, and returned; the method, the route's template (never the path: ids, search text and
keys stay out), the status, the duration, the front and the caller's user id; plain text by
default, JSON lines with RELEASEDESK_LOG_FORMAT=json."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.db.session import Database
from releasedesk.observe.log import REQUEST_LOGGER
from releasedesk.settings import Settings
from tests.api.flexdeploy.support import flex_for
from tests.helpers import Desk


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    return caplog


def request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == REQUEST_LOGGER]


def test_each_front_logs_the_route_template_status_and_caller(
    desk: Desk, lines: pytest.LogCaptureFixture
) -> None:
    flex_for(desk)
    rid = desk.create_release(title="Logged secret-title")["id"]
    p = f"/app/{desk.portal}"
    key = {"authtoken": desk.admin.key}
    bearer = {"Authorization": f"Bearer {desk.admin.key}"}
    lines.clear()
    client = desk.client
    asked = [
        # (method, path, headers, expected line start)
        (
            "GET",
            f"{p}/api/v3/releases/{rid}",
            key,
            "GET /app/{portal}/api/v3/releases/{release_id} 200",
        ),
        ("GET", f"/api/v3/releases/{rid}", {}, "GET /api/v3/releases/{release_id} 401"),
        (
            "GET",
            f"{p}/api/v3/releases/{rid}/notes",
            key,
            "GET /app/{portal}/api/v3/releases/{release_id}/{plural} 200",
        ),
        (
            "GET",
            f"{p}/flexdeploy/rest/v1/releases/{rid}",
            bearer,
            "GET /app/{portal}/flexdeploy/rest/v1/releases/{release_id} ",
        ),
        ("GET", f"{p}/releases/", bearer, "GET /app/{portal}/releases/ 200"),
        ("GET", f"{p}/no/such/path", bearer, "GET - 404"),
    ]
    for method, path, headers, _ in asked:
        client.request(method, path, headers=headers)
    seen = request_lines(lines)
    assert len(seen) == len(asked), seen
    for line, (_, _, headers, start) in zip(seen, asked, strict=True):
        assert line.startswith(start), (line, start)
        expected_user = f"user={desk.admin.id}" if headers else "user=-"
        if "404" not in start:
            assert expected_user in line, line
        assert desk.admin.key not in line
        assert "secret-title" not in line
    fronts = [line.split(" front=")[1].split()[0] for line in seen]
    assert fronts == ["sdp", "sdp", "sdp", "flexdeploy", "ucr", "ucr"]


def test_a_request_id_is_kept_or_made_and_returned(
    desk: Desk, lines: pytest.LogCaptureFixture
) -> None:
    key = {"authtoken": desk.admin.key}
    path = f"/app/{desk.portal}/api/v3/releases"
    lines.clear()
    given = desk.client.get(path, headers={**key, "X-Request-ID": "proxy-1234.abc"})
    assert given.headers["x-request-id"] == "proxy-1234.abc"
    made = desk.client.get(path, headers=key)
    refused = desk.client.get(path, headers={**key, "X-Request-ID": "<script>" + "x" * 300})
    assert len(made.headers["x-request-id"]) == 32
    assert refused.headers["x-request-id"] != made.headers["x-request-id"]
    assert "<script>" not in refused.headers["x-request-id"]
    seen = request_lines(lines)
    ids = [
        given.headers["x-request-id"],
        made.headers["x-request-id"],
        refused.headers["x-request-id"],
    ]
    assert [line.rsplit("id=", 1)[1] for line in seen] == ids


def test_passwords_and_search_text_never_reach_the_log(
    desk: Desk, lines: pytest.LogCaptureFixture
) -> None:
    basic = base64.b64encode(f"{desk.admin.name}:wrong-password-xyz".encode()).decode()
    lines.clear()
    desk.client.get(
        f"/app/{desk.portal}/api/v3/releases",
        params={
            "input_data": json.dumps({"list_info": {"search_fields": {"title": "needle-text"}}})
        },
        headers={"Authorization": f"Basic {basic}"},
    )
    (line,) = request_lines(lines)
    assert "wrong-password-xyz" not in line and "needle-text" not in line
    assert " 401 " in line and "user=-" in line


def test_json_lines_with_the_setting(
    settings: Settings, desk: Desk, lines: pytest.LogCaptureFixture
) -> None:
    app = create_app(replace(settings, log_format="json"), Database(settings.database_url))
    with TestClient(app) as client:
        lines.clear()
        answer = client.get(
            f"/app/{desk.portal}/api/v3/releases", headers={"authtoken": desk.admin.key}
        )
    (line,) = request_lines(lines)
    entry = json.loads(line)
    assert entry["request_id"] == answer.headers["x-request-id"]
    assert entry["method"] == "GET"
    assert entry["route"] == "/app/{portal}/api/v3/releases"
    assert entry["status"] == 200
    assert entry["front"] == "sdp"
    assert entry["user_id"] == desk.admin.id
    assert entry["duration_ms"] > 0


def test_an_unknown_log_format_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("RELEASEDESK_LOG_FORMAT", "xml")
    monkeypatch.setenv("RELEASEDESK_SECRET_KEY", "k" * 40)
    with pytest.raises(ValueError, match="RELEASEDESK_LOG_FORMAT"):
        Settings.from_env()


def test_the_server_own_routes_are_named_too(
    client: TestClient, lines: pytest.LogCaptureFixture
) -> None:
    lines.clear()
    client.get("/healthz")
    client.get("/docs")
    seen = request_lines(lines)
    assert seen[0].startswith("GET /healthz 200 ") and " front=server " in seen[0]
    assert seen[1].startswith("GET /docs 200 ") and " front=docs " in seen[1]
