"""The web sign-in's throttling, per-key request limits, Redis as the counter store, and
concurrent failed sign-ins counted exactly by a real server."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.core.audit.views import AuditKind
from releasedesk.core.throttle.counts import address_bucket, user_bucket
from releasedesk.settings import Settings, ThrottleSettings
from tests.api.throttle_support import (
    SMALL,
    USER_LIMIT,
    counter,
    from_address,
    new_address,
    sdp_releases,
    throttle_of,
    throttled_client,
    trail,
)
from tests.helpers import Desk, make_desk
from tests.served import _bound_socket, _wait_started
from tests.web.web_client import csrf_of

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def base(settings: Settings) -> Iterator[TestClient]:
    with throttled_client(settings, dataclasses.replace(SMALL, key_requests=3)) as client:
        yield client


def sign_in(client: TestClient, desk: Desk, login: str, password: str) -> httpx.Response:
    prefix = f"/app/{desk.portal}/ui"
    page = client.get(f"{prefix}/sign-in")
    form = {"csrf_token": csrf_of(page.text), "login": login, "password": password}
    return client.post(f"{prefix}/sign-in", data=form)


def test_the_web_sign_in_is_throttled_with_a_clear_page_and_counted_with_basic(
    base: TestClient,
) -> None:
    desk = make_desk(base)
    address = new_address()
    browser = from_address(base, address)
    for _ in range(USER_LIMIT - 1):
        assert sign_in(browser, desk, desk.admin.name, "not-it").status_code == 401
    # HTTP Basic from the same address counts toward the same user's limit.
    basic = browser.get(sdp_releases(desk), auth=(desk.admin.name, "not-it"))
    assert basic.status_code == 401

    refused = sign_in(browser, desk, desk.admin.name, "admin-pass")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert "Too many failed sign-ins" in refused.text
    assert "releasedesk_session" not in refused.headers.get("set-cookie", "")
    assert len(trail(desk, AuditKind.SIGN_IN_FAILED)) == USER_LIMIT
    assert len(trail(desk, AuditKind.SIGN_IN_THROTTLED)) == 1
    assert counter(desk, address_bucket(address)) == USER_LIMIT


def test_a_key_past_its_request_limit_gets_429_and_other_keys_do_not(base: TestClient) -> None:
    desk = make_desk(base)
    client = from_address(base, new_address())
    url = sdp_releases(desk)
    for _ in range(3):
        assert client.get(url, headers={"authtoken": desk.technician.key}).status_code == 200
    limited = client.get(url, headers={"authtoken": desk.technician.key})
    assert limited.status_code == 429
    wait = int(limited.headers["retry-after"])
    assert 0 < wait <= 60
    message = limited.json()["response_status"][0]["messages"][0]
    assert message["status_code"] == 4015
    assert message["message"] == f"Too many requests with this key: try again in {wait} seconds"
    assert client.get(url, headers={"authtoken": desk.requester.key}).status_code == 200
    assert throttle_of(base).refused["key"] >= 1


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    """A prefix of this run's own in the local Redis, every key under it deleted after."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"releasedesk-test-{uuid.uuid4().hex[:8]}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_with_redis_the_counts_live_there_and_throttle_alike(
    settings: Settings, redis_prefix: str
) -> None:
    limits = dataclasses.replace(
        SMALL, key_requests=2, redis_url=REDIS_URL, redis_prefix=redis_prefix
    )
    with throttled_client(settings, limits) as base:
        desk = make_desk(base)
        client = from_address(base, new_address())
        url = sdp_releases(desk)
        for _ in range(USER_LIMIT):
            assert client.get(url, auth=(desk.admin.name, "not-it")).status_code == 401
        refused = client.get(url, auth=(desk.admin.name, "admin-pass"))
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 60
        assert len(trail(desk, AuditKind.SIGN_IN_FAILED)) == USER_LIMIT
        assert len(trail(desk, AuditKind.SIGN_IN_THROTTLED)) == 1
        # Nothing in the database store: the counts are Redis's.
        assert counter(desk, user_bucket(desk.admin.id)) is None

        assert client.get(url, headers={"authtoken": desk.admin.key}).status_code == 200
        assert client.get(url, headers={"authtoken": desk.admin.key}).status_code == 200
        assert client.get(url, headers={"authtoken": desk.admin.key}).status_code == 429


@pytest.fixture
def served_throttled(settings: Settings) -> Iterator[str]:
    """uvicorn serving an app whose user limit no test here reaches."""
    limits = ThrottleSettings(user_failures=1000, address_failures=0)
    app = create_app(dataclasses.replace(settings, throttle=limits))
    sock = _bound_socket()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_started(server, thread)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_concurrent_failures_are_each_counted_and_audited_exactly_once(
    desk: Desk, served_throttled: str
) -> None:
    clients = 12
    before = counter(desk, address_bucket("127.0.0.1")) or 0
    start = threading.Barrier(clients)

    def fail(n: int) -> int:
        with httpx.Client(base_url=served_throttled, timeout=60) as client:
            start.wait()
            method = "POST" if n % 2 else "GET"  # writers and readers at once
            path = f"/app/{desk.portal}/api/v3/releases"
            return client.request(method, path, auth=(desk.admin.name, f"guess-{n}")).status_code

    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(fail, range(clients)))
    assert statuses == [401] * clients
    assert counter(desk, user_bucket(desk.admin.id)) == clients
    assert counter(desk, address_bucket("127.0.0.1")) == before + clients
    failed = trail(desk, AuditKind.SIGN_IN_FAILED)
    assert sorted(e.detail["user_failures"] for e in failed) == list(range(1, clients + 1))
