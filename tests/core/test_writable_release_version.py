"""A change of what hangs off a release moves its version, and the view `writable_release`
answers shows the version the release is at now (not the one read before the bump)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases import access
from releasedesk.core.releases import service as releases
from tests.helpers import Desk


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

    before = created["version"] if "version" in created else 1
    assert run(write_then_read) == (before + 1, before + 1)
    assert run(write_then_read) == (before + 2, before + 2)
