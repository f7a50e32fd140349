"""Reference data held in the process per portal version (core/reference): the same
answers as the database, and two processes (two Databases) agree once a change commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.lookups import service as lookups
from releasedesk.core.reference import service as reference
from releasedesk.core.reference.held import HeldReference
from releasedesk.core.reference.views import Lookups
from releasedesk.core.refs import Ref
from releasedesk.core.releases import references as releases_repository
from releasedesk.core.workflow import service as workflow
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from tests.helpers import Desk


async def _answers(session: AsyncSession, portal_id: int) -> dict[str, Any]:
    """Every read the services answer from held data, with names in other cases."""
    stages = await workflow.list_stages(session, portal_id)
    second = stages[1]
    answers: dict[str, Any] = {
        "stages": stages,
        "statuses": await workflow.list_statuses(session, portal_id),
        "first stage": await workflow.first_stage(session, portal_id),
        "stage by internal name": await workflow.resolve_stage(
            session, portal_id, Ref(name=second.internal_name.upper())
        ),
        "stage by id": await workflow.resolve_stage(session, portal_id, Ref(id=second.id)),
        "default status": await workflow.default_status(session, second, portal_id),
        "default template": await workflow.resolve_template(session, portal_id, None),
    }
    held = await reference.workflow(session, portal_id)
    answers["requester role"] = (
        await releases_repository.resolve_references(
            session, portal_id, {}, releases_repository.Wanted(False, False, False)
        )
    )[0].requester_role_id
    if held is not None:  # the held role is the one the release writes resolve today
        assert held.requester_role_id == answers["requester role"]
    status = answers["default status"]
    answers["status by name"] = await workflow.resolve_status(
        session, portal_id, second, Ref(name=f"  {status.name.swapcase()} ")
    )
    answers["template by id"] = await workflow.resolve_template(
        session, portal_id, Ref(id=answers["default template"])
    )
    for kind in lookups.KINDS:
        values = await lookups.list_lookups(session, portal_id, kind)
        answers[kind] = values
        if values:
            last = values[-1]  # the same name may be under two parents: give its parent
            answers[f"{kind} by name"] = await lookups.resolve(
                session,
                portal_id,
                kind,
                Ref(name=last.name.upper()),
                field=kind,
                parent_id=last.parent_id,
            )
    return answers


def test_held_answers_are_the_databases(settings: Settings, desk: Desk) -> None:
    async def compare() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], int]:
        database = Database(settings.database_url)
        try:
            # A session no unit of work made holds nothing: the database answers.
            async with AsyncSession(database.engine) as bare:
                from_database = await _answers(bare, desk.portal_id)
            async with database.unit_of_work(writes=False) as session:
                loading = await _answers(session, desk.portal_id)
            async with database.unit_of_work(writes=False) as session:
                held = await _answers(session, desk.portal_id)
                cache = reference.held(session)
                assert cache is not None
                return from_database, loading, held, cache.hits
        finally:
            await database.dispose()

    from_database, loading, held, hits = asyncio.run(compare())
    assert held == from_database
    assert loading == from_database
    assert hits > 0


def test_a_change_through_one_process_is_seen_by_the_other_after_its_commit(
    settings: Settings, desk: Desk
) -> None:
    """Two Databases stand for two servers, each with its own held data."""

    async def scenario() -> None:
        one, other = Database(settings.database_url), Database(settings.database_url)

        async def in_other(read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
            async with other.unit_of_work(writes=False) as session:
                return await read(session)

        def priority_names(session: AsyncSession) -> Awaitable[list[str]]:
            async def names() -> list[str]:
                values = await lookups.list_lookups(session, desk.portal_id, "priority")
                return [value.name for value in values]

            return names()

        try:
            before = await in_other(priority_names)
            assert await in_other(priority_names) == before  # held now
            async with one.unit_of_work() as session:
                await lookups.add_lookup(
                    session, portal_id=desk.portal_id, kind="priority", name="Held Urgent"
                )
                # The changing session sees its own change; the other not before the commit.
                assert (
                    await lookups.resolve(
                        session, desk.portal_id, "priority", Ref(name="held urgent"), field="p"
                    )
                ).name == "Held Urgent"
                assert "Held Urgent" not in await in_other(priority_names)
            assert await in_other(priority_names) == [*before, "Held Urgent"]

            async def resolved(session: AsyncSession) -> str:
                value = await lookups.resolve(
                    session, desk.portal_id, "priority", Ref(name="HELD URGENT"), field="p"
                )
                return value.name

            assert await in_other(resolved) == "Held Urgent"
        finally:
            await one.dispose()
            await other.dispose()

    asyncio.run(scenario())


def test_a_rolled_back_change_is_never_held(settings: Settings, desk: Desk) -> None:
    """A change's own session reads past the held data, so what it saw is not kept."""

    async def scenario() -> list[str]:
        database = Database(settings.database_url)
        try:
            try:
                async with database.unit_of_work() as session:
                    await lookups.add_lookup(
                        session, portal_id=desk.portal_id, kind="risk", name="Rolled Back"
                    )
                    await lookups.list_lookups(session, desk.portal_id, "risk")
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
            async with database.unit_of_work(writes=False) as session:
                values = await lookups.list_lookups(session, desk.portal_id, "risk")
                return [value.name for value in values]
        finally:
            await database.dispose()

    assert "Rolled Back" not in asyncio.run(scenario())


def test_the_held_parts_are_bounded_least_recently_used_first() -> None:
    held = HeldReference(size=3)
    part = Lookups(())
    for portal_id in (1, 2, 3):
        held.put((portal_id, 0, "priority"), part)
    assert held.get((1, 0, "priority")) is part  # 1 is now the most recently used
    held.put((4, 0, "priority"), part)
    assert len(held) == 3
    assert held.get((2, 0, "priority")) is None
    assert held.get((1, 0, "priority")) is part
    assert (held.hits, held.misses) == (2, 1)
