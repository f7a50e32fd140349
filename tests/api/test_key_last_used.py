"""A key's `last used` is written after the request's unit of work, in a transaction of its
own (issue 19, left open by earlier work): a write that fails does not lose it, and a write
does not hold the key's row lock while it runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from releasedesk.core.users import keys
from releasedesk.core.users import service as users
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.db.models import ApiKey
from tests.helpers import Desk


def new_key(desk: Desk) -> str:
    async def issue() -> str:
        async with desk.database.unit_of_work() as session:
            user = await users.find_user(session, desk.portal_id, desk.technician.name)
            return await users.create_api_key(session, user=user)

    return desk.client.portal.call(issue)


def last_used(desk: Desk, key: str) -> dt.datetime | None:
    async def read() -> dt.datetime | None:
        async with desk.database.unit_of_work(writes=False) as session:
            query = select(ApiKey.last_used_time).where(ApiKey.key_hash == hash_api_key(key))
            return (await session.execute(query)).scalar_one()

    return desk.client.portal.call(read)


def test_a_failed_write_keeps_its_last_used(desk: Desk) -> None:
    failing = [
        # SDP: a release that is not there (404), input the release refuses (400)
        lambda key: desk.request("PUT", "/releases/999999999", key=key, input_data={"release": {}}),
        lambda key: desk.post("/releases", key=key, input_data={"release": {"nope": 1}}),
        # UrbanCode Release: a body that is no JSON (400)
        lambda key: desk.client.post(
            f"/app/{desk.portal}/releases/",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            content=b"{",
        ),
    ]
    for send in failing:
        key = new_key(desk)
        response = send(key)
        assert response.status_code in (400, 404), response.text
        assert last_used(desk, key) is not None, response.text


def test_a_write_does_not_hold_the_keys_row_for_its_last_used(
    desk: Desk, backend_name: str
) -> None:
    """Inside the write's transaction the key's row is untouched (on PostgreSQL another
    connection can lock it without waiting: a revoke is not held up behind the write); the
    touch lands once the unit of work ends."""
    key = new_key(desk)

    async def scenario() -> tuple[dt.datetime | None, bool]:
        query = select(ApiKey).where(ApiKey.key_hash == hash_api_key(key))
        async with desk.database.unit_of_work() as session:
            await keys.authenticate_key(session, key, desk.portal)
            seen = (await session.execute(query)).scalar_one().last_used_time
            free = True
            if backend_name == "postgresql":  # SQLite's writer holds the whole database
                try:
                    async with desk.database.unit_of_work() as other:
                        lock = select(ApiKey.id).where(ApiKey.key_hash == hash_api_key(key))
                        await other.execute(lock.with_for_update(nowait=True))
                except DBAPIError:
                    free = False
        return seen, free

    seen_inside, row_free = desk.client.portal.call(scenario)
    assert seen_inside is None, "last used was written inside the write's transaction"
    assert row_free, "the write held the key's row lock"
    assert last_used(desk, key) is not None
