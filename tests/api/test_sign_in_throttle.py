"""Failed sign-ins are counted per user and per client address; past a limit password
sign-ins get 429 with Retry-After in every dialect (the right password included), keys
that work never do; each failure and each onset is audited once, and recorded in a unit
of work of its own (a write request on SQLite holds the write lock while it fails)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from releasedesk.core.audit.views import AuditKind
from releasedesk.core.throttle.counts import address_bucket, user_bucket
from releasedesk.core.users import service as users
from releasedesk.core.users.secrets import ARGON2_AT_ONCE
from releasedesk.settings import Settings
from tests.api.throttle_support import (
    ADDRESS_LIMIT,
    USER_LIMIT,
    WINDOW,
    counter,
    from_address,
    new_address,
    sdp_releases,
    throttle_of,
    throttled_client,
    trail,
)
from tests.helpers import Desk, make_desk

RIGHT = "admin-pass"  # make_desk's admin password


@pytest.fixture(scope="module")
def base(settings: Settings) -> Iterator[TestClient]:
    with throttled_client(settings) as client:
        yield client


@pytest.fixture
def tdesk(base: TestClient) -> Desk:
    return make_desk(base)


def sdp_status(response: object) -> dict[str, object]:
    status = response.json()["response_status"]  # type: ignore[attr-defined]
    status = status[0] if isinstance(status, list) else status
    return status["messages"][0]  # type: ignore[no-any-return]


def retry_after(response: object) -> int:
    value = int(response.headers["retry-after"])  # type: ignore[attr-defined]
    assert 0 < value <= WINDOW
    return value


def test_past_the_user_limit_even_the_right_password_gets_429_until_the_window_passes(
    base: TestClient, tdesk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = from_address(base, new_address())
    url = sdp_releases(tdesk)
    for _ in range(USER_LIMIT):
        wrong = client.get(url, auth=(tdesk.admin.name, "not-it"))
        assert wrong.status_code == 401
        assert sdp_status(wrong)["status_code"] == 4022

    refused = client.get(url, auth=(tdesk.admin.name, RIGHT))
    assert refused.status_code == 429, refused.text
    assert sdp_status(refused) == {
        "status_code": 4015,
        "type": "failed",
        "message": f"Too many failed sign-ins: try again in {retry_after(refused)} seconds",
    }
    # By email too: the user is counted, not the login typed.
    by_email = client.get(url, auth=(f"ada.admin@{tdesk.portal}.example.com", RIGHT))
    assert by_email.status_code == 429
    # The user's key works; another user from the same address signs in.
    assert client.get(url, headers={"authtoken": tdesk.admin.key}).status_code == 200

    def set_password() -> object:
        return _set_password(tdesk, tdesk.technician.name, "tech-pass")

    base.portal.call(set_password)
    assert client.get(url, auth=(tdesk.technician.name, "tech-pass")).status_code == 200

    throttle = throttle_of(base)
    later = time.time() + WINDOW + 1
    monkeypatch.setattr(throttle, "clock", lambda: later)
    assert client.get(url, auth=(tdesk.admin.name, RIGHT)).status_code == 200
    # The next failure starts a new window on the same row.
    assert client.get(url, auth=(tdesk.admin.name, "not-it")).status_code == 401
    assert counter(tdesk, user_bucket(tdesk.admin.id)) == 1


async def _set_password(desk: Desk, name: str, password: str) -> None:
    async with desk.database.unit_of_work() as session:
        await users.set_password(session, desk.portal_id, name, password)


def test_every_dialect_refuses_with_429_in_its_own_format(base: TestClient, tdesk: Desk) -> None:
    client = from_address(base, new_address())
    admin = (tdesk.admin.name, "not-it")
    ucr = f"/app/{tdesk.portal}/releases/"
    flexdeploy = f"/app/{tdesk.portal}/flexdeploy/rest/v1/releases/1"
    # Failures through any dialect count toward the one limit.
    assert client.get(ucr, auth=admin).status_code == 401
    assert client.get(flexdeploy, auth=admin).status_code == 401
    assert client.post(sdp_releases(tdesk), auth=admin).status_code == 401

    right = (tdesk.admin.name, RIGHT)
    sdp = client.post(sdp_releases(tdesk), auth=right, data={"input_data": "{}"})
    assert sdp.status_code == 429 and sdp_status(sdp)["status_code"] == 4015
    ucr_refused = client.get(ucr, auth=right)
    assert ucr_refused.status_code == 429
    wait = retry_after(ucr_refused)
    assert ucr_refused.json() == {"error": f"Too many failed sign-ins: try again in {wait} seconds"}
    flex_refused = client.get(flexdeploy, auth=right)
    assert flex_refused.status_code == 429
    wait = retry_after(flex_refused)
    assert flex_refused.json() == {
        "status": 429,
        "message": f"Too many failed sign-ins: try again in {wait} seconds",
    }
    assert "www-authenticate" not in flex_refused.headers


def test_past_the_address_limit_passwords_from_it_are_refused_but_keys_still_work(
    base: TestClient, tdesk: Desk
) -> None:
    address = new_address()
    client = from_address(base, address)
    url = sdp_releases(tdesk)
    for n in range(ADDRESS_LIMIT):  # a different login each time: no user reaches its limit
        assert client.get(url, auth=(f"nobody-{n}", "guess")).status_code == 401
    assert counter(tdesk, address_bucket(address)) == ADDRESS_LIMIT

    assert client.get(url, auth=(tdesk.admin.name, RIGHT)).status_code == 429
    assert client.get(url, headers={"authtoken": "rdk_unknown"}).status_code == 429
    assert client.get(url, headers={"authtoken": tdesk.admin.key}).status_code == 200
    elsewhere = from_address(base, new_address())
    assert elsewhere.get(url, auth=(tdesk.admin.name, RIGHT)).status_code == 200
    # Refusals past the limit wrote nothing.
    assert counter(tdesk, address_bucket(address)) == ADDRESS_LIMIT


def test_keys_that_do_not_exist_count_against_the_address_and_working_ones_never_do(
    base: TestClient, tdesk: Desk, settings: Settings
) -> None:
    address = new_address()
    client = from_address(base, address)
    url = sdp_releases(tdesk)
    for _ in range(3 * ADDRESS_LIMIT):  # a working key is never counted nor held back
        assert client.get(url, headers={"authtoken": tdesk.requester.key}).status_code == 200
    assert counter(tdesk, address_bucket(address)) is None

    for n in range(ADDRESS_LIMIT):
        assert client.get(url, headers={"authtoken": f"rdk_guess{n}"}).status_code == 401
    unknown = trail(tdesk, AuditKind.SIGN_IN_FAILED)
    assert len(unknown) == ADDRESS_LIMIT
    assert {(e.subject.user_id, e.subject.user_name) for e in unknown} == {(None, "(unknown key)")}
    assert {e.detail["via"] for e in unknown} == {"key"}
    assert not any("rdk_guess" in str(e.detail) for e in unknown)

    ucr = client.get(f"/app/{tdesk.portal}/releases/", headers={"Authorization": "Bearer rdk_x"})
    assert ucr.status_code == 429
    assert client.get(url, auth=(tdesk.admin.name, RIGHT)).status_code == 429
    assert client.get(url, headers={"authtoken": tdesk.requester.key}).status_code == 200


def test_each_failure_and_the_onset_are_audited_once_without_the_password(
    base: TestClient, tdesk: Desk
) -> None:
    address = new_address()
    client = from_address(base, address)
    url = sdp_releases(tdesk)
    secret = "Tr0ub4dor&3-typed-wrong"
    for _ in range(USER_LIMIT):
        assert client.get(url, auth=(tdesk.admin.name, secret)).status_code == 401
    for _ in range(4):  # refused past the limit: no entry, no count
        assert client.get(url, auth=(tdesk.admin.name, secret)).status_code == 429
    assert client.get(url, auth=("Nobody Here", secret)).status_code == 401

    failed = trail(tdesk, AuditKind.SIGN_IN_FAILED)
    assert [(e.subject.user_id, e.subject.user_name) for e in failed] == [
        *[(tdesk.admin.id, tdesk.admin.name)] * USER_LIMIT,
        (None, "Nobody Here"),
    ]
    assert [e.detail["user_failures"] for e in failed] == [1, 2, 3, 1]
    assert [e.detail["address_failures"] for e in failed] == [1, 2, 3, 4]
    assert {e.detail["address"] for e in failed} == {address}
    assert {e.actor.name for e in failed} == {"anonymous"}
    onsets = trail(tdesk, AuditKind.SIGN_IN_THROTTLED)
    assert len(onsets) == 1
    assert onsets[0].subject.user_id == tdesk.admin.id
    assert onsets[0].detail["scope"] == "user"
    assert onsets[0].detail["failures"] == USER_LIMIT
    assert counter(tdesk, user_bucket(tdesk.admin.id)) == USER_LIMIT
    assert not any(secret in str(e.detail) for e in trail(tdesk))
    assert throttle_of(base).refused["user"] >= 4


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "GET"])
def test_a_failure_is_recorded_after_the_request_and_never_waits_for_its_write_lock(
    base: TestClient, tdesk: Desk, method: str
) -> None:
    """A write request holds SQLite's write lock (BEGIN IMMEDIATE) from its start: recording
    the failure beside it would wait out the busy timeout (10 s) and fail. It is recorded
    once the request's transaction has rolled back, and the refusal stays a 401."""
    client = from_address(base, new_address())
    path = sdp_releases(tdesk) + ("" if method in ("POST", "GET") else "/1")
    started = time.monotonic()
    response = client.request(method, path, auth=(tdesk.admin.name, "not-it"))
    assert response.status_code == 401
    assert time.monotonic() - started < 5
    assert len(trail(tdesk, AuditKind.SIGN_IN_FAILED)) == 1
    assert counter(tdesk, user_bucket(tdesk.admin.id)) == 1


def test_argon2_runs_off_the_event_loop_a_few_at_once(
    base: TestClient, tdesk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    active = [0, 0]  # now, most at once
    lock = threading.Lock()
    verify = users.verify_password

    def spy(stored: str | None, password: str) -> bool:
        with lock:
            threads.append(threading.get_ident())
            active[0] += 1
            active[1] = max(active)
        try:
            time.sleep(0.05)  # long enough for the others to start, were they not held
            return verify(stored, password)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(users, "verify_password", spy)
    loop_thread = base.portal.call(_thread_id)
    client = from_address(base, new_address())
    assert client.get(sdp_releases(tdesk), auth=(tdesk.admin.name, RIGHT)).status_code == 200
    assert threads and loop_thread not in threads

    async def many_at_once() -> None:
        async def one() -> None:
            async with tdesk.database.unit_of_work(writes=False) as session:
                await users.authenticate_password(
                    session,
                    tdesk.portal,
                    tdesk.admin.name,
                    RIGHT,
                    throttle=throttle_of(base),
                    address=new_address(),
                )

        await asyncio.gather(*(one() for _ in range(3 * ARGON2_AT_ONCE)))

    base.portal.call(many_at_once)
    assert 1 < active[1] <= ARGON2_AT_ONCE


async def _thread_id() -> int:
    return threading.get_ident()
