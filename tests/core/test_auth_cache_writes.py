"""Revocation, truthfully (issue 19, item 4): what another process changes reaches a read
within the listener's bound, but a write reads its key from the database in its own
transaction, so it never follows a revocation or a deactivation committed before it. Each
test uses a cache of its own that listens to nothing: the change is made the way another
process makes it (this process is told nothing), so what the cache would hold is certain."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from releasedesk.core.errors import Unauthenticated
from releasedesk.core.users import keys
from releasedesk.core.users import service as users
from releasedesk.core.users.cache import AuthCache
from releasedesk.core.users.secrets import hash_api_key
from releasedesk.db.base import utcnow
from releasedesk.db.models import ApiKey, User
from tests.helpers import Desk


async def issue(desk: Desk) -> tuple[str, int]:
    async with desk.database.unit_of_work() as session:
        user = await users.find_user(session, desk.portal_id, desk.technician.name)
        issued = await keys.issue_key(session, user=user)
        return issued.key, issued.view.id


async def use(desk: Desk, key: str, cache: AuthCache, *, writes: bool) -> bool:
    """Whether the key is accepted (inside the app's loop: no pytest.raises there, its
    failure is no Exception and would stop the loop)."""
    try:
        async with desk.database.unit_of_work(writes=writes) as session:
            await keys.authenticate_key(session, key, desk.portal, cache=cache)
    except Unauthenticated:
        return False
    return True


@pytest.mark.parametrize("change", ["revoke", "deactivate"])
def test_a_write_follows_no_change_committed_elsewhere_though_the_cache_holds_the_key(
    desk: Desk, change: str
) -> None:
    async def scenario() -> list[bool]:
        key, key_id = await issue(desk)
        cache = AuthCache()
        cached = await use(desk, key, cache, writes=False)
        assert cached and cache.get(hash_api_key(key)) is not None

        async with desk.database.unit_of_work() as other_process:
            if change == "revoke":
                statement = update(ApiKey).where(ApiKey.id == key_id)
                await other_process.execute(statement.values(revoked_time=utcnow()))
            else:
                statement = update(User).where(User.id == desk.technician.id)
                await other_process.execute(statement.values(is_active=False))

        # A read still trusts the cache: the bound (the listener's poll or NOTIFY) is its.
        # A write does not, and tells this process's cache what it found: the read after
        # it is refused.
        return [await use(desk, key, cache, writes=w) for w in (False, True, False)]

    assert desk.client.portal.call(scenario) == [True, False, False]


def test_a_write_renews_what_the_cache_holds(desk: Desk) -> None:
    """A role changed elsewhere: the write acts with the new role, and the reads after it."""

    async def scenario() -> None:
        key, _ = await issue(desk)
        cache = AuthCache()
        await use(desk, key, cache, writes=False)
        async with desk.database.unit_of_work() as other_process:
            statement = update(User).where(User.id == desk.technician.id)
            await other_process.execute(statement.values(role="requester"))
        async with desk.database.unit_of_work() as session:
            actor = await keys.authenticate_key(session, key, desk.portal, cache=cache)
        assert actor.role.value == "requester"
        held = cache.get(hash_api_key(key))
        assert held is not None and held.role.value == "requester"

    desk.client.portal.call(scenario)
