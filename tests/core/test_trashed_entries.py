"""Who moved a release to the trash: the latest "trashed" entry of each release's history,
read for a page of releases at once, only for releases the caller may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases import service as releases
from tests.helpers import Desk, Person, make_desk


def actor(desk: Desk, person: Person, role: Role) -> Actor:
    return Actor(person.id, person.name, desk.portal_id, desk.portal, role)


def trash(desk: Desk, release_id: int, key: str | None = None) -> None:
    response = desk.request("DELETE", f"/releases/{release_id}/move_to_trash", key=key)
    assert response.status_code == 200, response.text


def test_the_latest_trashing_per_release_for_what_the_caller_may_see(
    desk: Desk, run: Callable[..., Any]
) -> None:
    mine = int(desk.create_release(key=desk.requester.key)["id"])
    again = int(desk.create_release()["id"])
    live = int(desk.create_release()["id"])
    trash(desk, mine)
    trash(desk, again)
    restored = desk.put(f"/releases/restore_from_trash?ids={again}", input_data={})
    assert restored.status_code == 200
    trash(desk, again, key=desk.technician.key)  # trashed twice: the second one counts
    elsewhere = make_desk(desk.client)
    foreign = int(elsewhere.create_release()["id"])
    trash(elsewhere, foreign)
    ids = [mine, again, live, foreign, 987654321]

    async def entries(caller: Actor) -> dict[int, tuple[str | None, str]]:
        async with desk.database.unit_of_work(writes=False) as session:
            found = await releases.trashed_entries(session, caller, ids)
        return {
            release_id: (None if e.actor is None else e.actor.name, e.operation.value)
            for release_id, e in found.items()
        }

    assert run(entries, actor(desk, desk.admin, Role.ADMIN)) == {
        mine: (desk.admin.name, "trashed"),
        again: (desk.technician.name, "trashed"),
    }
    assert run(entries, actor(desk, desk.requester, Role.REQUESTER)) == {
        mine: (desk.admin.name, "trashed")
    }
    assert run(entries, actor(desk, desk.other_requester, Role.REQUESTER)) == {}

    async def none_asked() -> dict[int, Any]:
        async with desk.database.unit_of_work(writes=False) as session:
            return await releases.trashed_entries(session, actor(desk, desk.admin, Role.ADMIN), [])

    assert run(none_asked) == {}
