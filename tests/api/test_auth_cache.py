"""The auth cache over HTTP on the suite's database: a known key's GET runs no auth query;
after a revoke, a deactivation or a role change made through the core the next request is
refused or judged by the new role, though the cache held the key; a change made behind the
core's back (plain SQL from another connection) is heard from the database within a second.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.engine import Connection

from releasedesk.core.users import keys
from releasedesk.core.users import service as users
from releasedesk.core.users.cache import auth_cache
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.db.auth_notify import SqlitePoller
from releasedesk.db.models import User
from tests import served
from tests.helpers import Desk

HEARD_WITHIN_SECONDS = 1.0
AUTH_TABLES = ("api_keys", "users", "portals")


@pytest.fixture(autouse=True)
def _desk_heard(desk: Desk, run: Callable[[Callable[[], Awaitable[int]]], int]) -> None:
    """Each test begins once the listener has acted on the desk's own making: on SQLite the
    poller clears the whole cache when it sees auth_version move, and seeing the desk's
    users and keys arrive after a test's first request would empty what it just cached.
    Every poller in the process counts: a served app (tests/served.py) shares the cache."""
    pollers = [
        listener
        for listener in (desk.client.app.state.auth_listener, *served.LISTENERS)  # type: ignore[attr-defined]
        if isinstance(listener, SqlitePoller)
    ]
    if not pollers:
        return

    async def current() -> int:
        async with desk.database.unit_of_work(writes=False) as session:
            return int(
                (await session.execute(text("SELECT version FROM auth_version"))).scalar_one()
            )

    version = run(current)
    deadline = time.monotonic() + 5
    while any(p.version != version for p in pollers) and time.monotonic() < deadline:
        time.sleep(0.01)


@contextmanager
def statements(desk: Desk) -> Iterator[list[str]]:
    """Every statement the app's engine runs inside the block."""
    seen: list[str] = []

    def record(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = desk.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def is_cached(desk: Desk, key: str) -> bool:
    return auth_cache(desk.database.caches).get(hash_api_key(key)) is not None


def core(desk: Desk, change: str, *args: str) -> None:
    """Make an account change through the core, as the CLI or a future admin API would."""

    async def run() -> None:
        async with desk.database.unit_of_work() as session:
            if change == "revoke":
                await keys.revoke_key(session, args[0])
            elif change == "deactivate":
                await users.set_active(session, desk.portal_id, args[0], False)
            elif change == "activate":
                await users.set_active(session, desk.portal_id, args[0], True)
            else:
                await users.set_role(session, desk.portal_id, args[0], args[1])

    desk.client.portal.call(run)


def test_a_known_keys_get_runs_no_auth_query(desk: Desk) -> None:
    key = desk.requester.key
    assert desk.get("/releases", key=key).status_code == 200  # loads (and touches) the key
    with statements(desk) as seen:
        assert desk.get("/releases", key=key).status_code == 200
    assert seen, "the list itself still queries"
    assert not [s for s in seen if any(t in s for t in AUTH_TABLES)], seen


def test_a_revoke_through_the_core_refuses_the_next_request(desk: Desk) -> None:
    key = desk.technician.key
    assert desk.get("/releases", key=key).status_code == 200
    assert is_cached(desk, key)
    core(desk, "revoke", key)
    assert desk.get("/releases", key=key).status_code == 401
    assert desk.get("/releases", key=desk.requester.key).status_code == 200


def test_deactivation_and_activation_through_the_core_apply_to_the_next_request(
    desk: Desk,
) -> None:
    key = desk.technician.key
    assert desk.get("/releases", key=key).status_code == 200
    assert is_cached(desk, key)
    core(desk, "deactivate", desk.technician.name)
    assert desk.get("/releases", key=key).status_code == 401
    core(desk, "activate", desk.technician.name)
    assert desk.get("/releases", key=key).status_code == 200


def test_a_role_change_through_the_core_applies_to_the_next_request(desk: Desk) -> None:
    trashed = desk.create_release()["id"]
    assert desk.request("DELETE", f"/releases/move_to_trash?ids={trashed}").status_code == 200
    assert is_cached(desk, desk.admin.key)
    core(desk, "set_role", desk.admin.name, "technician")
    assert desk.request("DELETE", f"/releases/{trashed}").status_code == 403
    core(desk, "set_role", desk.admin.name, "admin")
    assert desk.request("DELETE", f"/releases/{trashed}").status_code == 200


def test_a_change_behind_the_cores_back_is_heard_within_a_second(desk: Desk) -> None:
    """Plain SQL tells this process nothing; the app's listener hears it from the database
    (NOTIFY on PostgreSQL, the data_version poll on SQLite)."""
    key = desk.technician.key
    assert desk.get("/releases", key=key).status_code == 200
    assert is_cached(desk, key)

    async def deactivate() -> None:
        async with desk.database.unit_of_work() as session:
            await session.execute(
                update(User).where(User.id == desk.technician.id).values(is_active=False)
            )

    desk.client.portal.call(deactivate)
    deadline = time.monotonic() + HEARD_WITHIN_SECONDS
    answers = [desk.get("/releases", key=key).status_code]
    while answers[-1] != 401:
        assert time.monotonic() < deadline, f"still accepted after a second: {answers}"
        time.sleep(0.02)
        answers.append(desk.get("/releases", key=key).status_code)
    assert set(answers) <= {200, 401}
