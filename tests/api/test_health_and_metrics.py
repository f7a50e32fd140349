"""Health and metrics (issue 21, item 2): /healthz answers while the process runs; /readyz
only when the database answers at the migrations' head (503 with the reason otherwise);
/metrics in Prometheus' text format, for loopback clients, allowed networks or a bearer
token, counting requests by front, route template and status, summed over the workers of
one `releasedesk serve`."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from releasedesk.app import create_app
from releasedesk.db.migrate import head_revision
from releasedesk.db.session import Database
from releasedesk.settings import MetricsSettings, Settings
from tests.conftest import own_database
from tests.helpers import Desk
from tests.workers import serve_workers


def samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(body: str, name: str, **labels: str) -> float:
    return samples(body).get((name, frozenset(labels.items())), 0.0)


async def ascrape(app: object, address: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/metrics", headers=headers)


def scrape(client: TestClient, address: str = "127.0.0.1", **headers: str) -> httpx.Response:
    """GET /metrics from `address`, on the event loop `client` runs its app on."""
    return client.portal.call(ascrape, client.app, address, headers)


def test_healthz_and_readyz_on_a_migrated_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "schema": head_revision()}
    assert ready.headers["x-request-id"]


def test_readyz_is_503_with_the_reason(settings: Settings, tmp_path: Path) -> None:
    bare = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    with TestClient(create_app(replace(settings, database_url=bare), Database(bare))) as client:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "run `releasedesk db upgrade`" in answer.json()["reason"]
        assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_readyz_names_a_schema_behind_the_head(
    backend_name: str, request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> None:
    backend = "sqlite" if backend_name == "sqlite" else request.config.getoption("--db")
    with own_database(backend, tmp_path) as url:
        database = Database(url)

        async def step_back() -> None:
            async with database.unit_of_work() as session:
                await session.execute(text("UPDATE alembic_version SET version_num = '0001'"))

        asyncio.run(step_back())
        asyncio.run(database.dispose())
        app = create_app(replace(settings, database_url=url), Database(url))
        with TestClient(app) as client:
            answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["reason"].startswith(
            f"the schema is at 0001, this server needs {head_revision()}"
        )


def test_metrics_only_for_loopback_allowed_networks_or_the_token(settings: Settings) -> None:
    with TestClient(create_app(settings, Database(settings.database_url))) as client:
        assert scrape(client, "127.0.0.1").status_code == 200
        assert scrape(client, "::1").status_code == 200
        refused = scrape(client, "203.0.113.9")
        assert refused.status_code == 403
        assert "RELEASEDESK_METRICS_ALLOWED_NETWORKS" in refused.text

    opened = MetricsSettings(allowed_networks="10.0.0.0/8", token="scrape-me-please")
    app = create_app(replace(settings, metrics=opened), Database(settings.database_url))
    with TestClient(app) as client:
        assert scrape(client, "10.20.30.40").status_code == 200
        assert scrape(client, "127.0.0.1").status_code == 403  # the networks replace loopback
        assert scrape(client, "203.0.113.9").status_code == 403
        wrong = scrape(client, "203.0.113.9", authorization="Bearer wrong")
        assert wrong.status_code == 403
        right = scrape(client, "203.0.113.9", authorization="Bearer scrape-me-please")
        assert right.status_code == 200

    off = MetricsSettings(enabled=False)
    app = create_app(replace(settings, metrics=off), Database(settings.database_url))
    with TestClient(app) as client:
        assert scrape(client, "127.0.0.1").status_code != 200


def test_a_bad_network_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASEDESK_METRICS_ALLOWED_NETWORKS", "10.0.0.0/8, not-a-net")
    with pytest.raises(ValueError, match="'not-a-net' is not a network"):
        MetricsSettings.from_env()


def test_metrics_count_requests_and_read_the_backlogs(client: TestClient, desk: Desk) -> None:
    rid = desk.create_release(title="Counted")["id"]
    route = "/app/{portal}/api/v3/releases/{release_id}"
    labels = {"front": "sdp", "method": "GET", "route": route, "status": "200"}
    before = scrape(client).text
    for _ in range(3):
        assert desk.get(f"/releases/{rid}").status_code == 200
    after = scrape(client).text
    assert (
        value(after, "releasedesk_requests_total", **labels)
        == value(before, "releasedesk_requests_total", **labels) + 3
    )
    timed = {"front": "sdp", "route": route}
    assert value(after, "releasedesk_request_duration_seconds_count", **timed) >= 3
    assert value(after, "releasedesk_db_pool_in_use") >= 0
    assert ("releasedesk_db_pool_waiting", frozenset()) in samples(after)
    # the auth cache: the three GETs' caller came from it (the first may have missed)
    hits = value(after, "releasedesk_cache_events_total", cache="auth", outcome="hit")
    assert hits >= value(before, "releasedesk_cache_events_total", cache="auth", outcome="hit") + 2

    async def counts() -> tuple[int, int]:
        async with desk.database.unit_of_work(writes=False) as session:
            mails = (
                await session.execute(
                    text("SELECT count(*) FROM mail_outbox WHERE delivered_on IS NULL")
                )
            ).scalar_one()
            waiting = (
                await session.execute(
                    text("SELECT count(*) FROM release_approvals WHERE status = 'pending'")
                )
            ).scalar_one()
        return int(mails), int(waiting)

    mails, waiting = client.portal.call(counts)
    assert value(after, "releasedesk_outbox_backlog") == mails
    assert value(after, "releasedesk_approvals_pending") == waiting
    if mails:
        assert value(after, "releasedesk_outbox_oldest_age_seconds") >= 0


def test_two_workers_sum_their_counts(database_url: str, tmp_path: Path) -> None:
    """`releasedesk serve --workers 2`: whichever worker answers a scrape, it counts every
    worker's requests."""
    with serve_workers(database_url, tmp_path, 1, workers_each=2) as (server,):
        sent = 40
        for _ in range(sent):  # a new connection each, so both workers take some
            httpx.get(server.url + "/api/v3/releases", headers={"Connection": "close"})
        labels = {"front": "sdp", "method": "GET", "route": "/api/v3/releases", "status": "401"}
        for _ in range(6):
            body = httpx.get(server.url + "/metrics", headers={"Connection": "close"}).text
            # at least `sent`: the readiness probe of serve_workers asks the same route
            assert value(body, "releasedesk_requests_total", **labels) >= sent, body[:2000]
