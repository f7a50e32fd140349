"""A change of what hangs off a release moves its version, and the view `writable_release`
answers shows the version the release is at now (not the one read before the bump)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases import access
from releasedesk.core.releases import service as releases
from releasedesk.db.models import Release as ReleaseRow
from tests.helpers import Desk


def stored_version(desk: Desk, run: Callable[..., Any], release_id: int) -> int:
    async def read() -> int:
        async with desk.database.unit_of_work(writes=False) as session:
            query = select(ReleaseRow.version).where(ReleaseRow.id == release_id)
            return int((await session.execute(query)).scalar_one())

    return int(run(read))


def test_the_view_writable_release_answers_has_the_bumped_version(
    desk: Desk, run: Callable[..., Any]
) -> None:
    created = desk.create_release(title="Bumped")
    release_id = int(created["id"])
    actor = Actor(desk.admin.id, desk.admin.name, desk.portal_id, desk.portal, Role.ADMIN)

    async def write_then_read() -> tuple[int, int]:
        async with desk.database.unit_of_work() as session:
            written = await access.writable_release(session, actor, release_id)
            stored = await releases.get_release(session, actor, release_id)
            return written.version, stored.version

    before = stored_version(desk, run, release_id)
    assert run(write_then_read) == (before + 1, before + 1)
    assert run(write_then_read) == (before + 2, before + 2)
    assert stored_version(desk, run, release_id) == before + 2
