"""A release can be named by its UUID as well as its id: the same release either way."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from releasedesk.core.actors import Actor, Role
from releasedesk.core.errors import NotFound
from releasedesk.core.releases import service as releases
from releasedesk.db.models import Release as ReleaseRow
from tests.helpers import Desk


def test_a_release_loads_by_its_uuid(desk: Desk, run: Callable[..., Any]) -> None:
    created = desk.create_release(title="By UUID")
    actor = Actor(desk.admin.id, desk.admin.name, desk.portal_id, desk.portal, Role.ADMIN)

    async def by_uuid(key: uuid.UUID) -> Any:
        async with desk.database.unit_of_work(writes=False) as session:
            return await releases.get_release_by_uuid(session, actor, key)

    async def stored_uuid() -> uuid.UUID:
        async with desk.database.unit_of_work(writes=False) as session:
            query = select(ReleaseRow.uuid).where(ReleaseRow.id == int(created["id"]))
            return (await session.execute(query)).scalar_one()

    key: uuid.UUID = run(stored_uuid)
    release = run(by_uuid, key)
    assert (release.id, release.title, release.uuid) == (int(created["id"]), "By UUID", key)
    with pytest.raises(NotFound):
        run(by_uuid, uuid.uuid4())
