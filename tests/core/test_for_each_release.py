"""Several-ids operations through the core: each id runs in its own savepoint.

No public request writes and then fails for only some of its ids, so the rollback of one
id's writes beside the others' is checked here with an operation that writes, then fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import insert, update

from releasedesk.core.errors import Invalid
from releasedesk.core.releases.lifecycle import for_each_release
from releasedesk.db.models import Release, ReleaseNote
from tests.helpers import Desk

Run = Callable[..., Any]


def _writing_then_failing_for(desk: Desk, failing: int, error: Exception) -> Callable[..., Any]:
    """An operation that adds a note to the release and renames it, then fails for one id."""

    def operation(session: Any) -> Callable[[int], Awaitable[None]]:
        async def write(release_id: int) -> None:
            await session.execute(
                insert(ReleaseNote).values(
                    release_id=release_id,
                    description=f"note of {release_id}",
                    show_to_requester=False,
                    created_by_id=desk.admin.id,
                )
            )
            await session.execute(
                update(Release).where(Release.id == release_id).values(title="Written")
            )
            if release_id == failing:
                raise error

        return write

    return operation


def titles(desk: Desk, ids: list[int]) -> list[str]:
    return [desk.get(f"/releases/{i}").json()["release"]["title"] for i in ids]


def notes(desk: Desk, ids: list[int]) -> list[int]:
    return [desk.count(ReleaseNote, release_id=i) for i in ids]


def test_a_failing_id_undoes_only_its_own_writes(desk: Desk, run: Run) -> None:
    ids = [int(desk.create_release(title=f"Before {n}")["id"]) for n in range(3)]
    failure = Invalid("refused for this one", "id")
    operation = _writing_then_failing_for(desk, ids[1], failure)

    given = [ids[2], ids[1], ids[0]]  # worked in ascending order, answered as given

    async def several() -> list[Any]:
        async with desk.database.unit_of_work() as session:
            return await for_each_release(session, given, operation(session))

    outcomes = run(several)
    assert [(o.release_id, o.error) for o in outcomes] == [
        (ids[2], None),
        (ids[1], failure),
        (ids[0], None),
    ]
    assert titles(desk, ids) == ["Written", "Before 1", "Written"]
    assert notes(desk, ids) == [1, 0, 1]


def test_an_unexpected_error_is_not_one_ids_failure(desk: Desk, run: Run) -> None:
    """Only domain errors are per-id answers; a bug fails the whole request (and its
    transaction), it does not become a 4000 beside the others' successes."""
    ids = [int(desk.create_release(title=f"Before {n}")["id"]) for n in range(2)]
    operation = _writing_then_failing_for(desk, ids[1], RuntimeError("a bug"))

    async def several() -> None:
        async with desk.database.unit_of_work() as session:
            await for_each_release(session, ids, operation(session))

    with pytest.raises(RuntimeError, match="a bug"):
        run(several)
    assert titles(desk, ids) == ["Before 0", "Before 1"]
    assert notes(desk, ids) == [0, 0]
