"""The bench seeder writes releases straight into the tables (COPY on PostgreSQL, executemany
on SQLite), past the services: the live-count triggers of migration 0012 count them too.

Runs on a database of its own, as the seeder makes portals of fixed names.
"""

from __future__ import annotations

import asyncio

import pytest
from bench.seed import seed

from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database
from tests.test_history_migration import _run, fresh_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")


@pytest.mark.parametrize("freezes", [0, 12])
def test_seeded_releases_are_counted(fresh_url: str, freezes: int) -> None:  # noqa: F811
    """With `freezes` (the schedule run's seed), also services and freeze windows."""
    upgrade(fresh_url)

    async def seeding() -> None:
        database = Database(fresh_url)
        try:
            async with database.unit_of_work() as session:
                await seed(session, 300, history_entries=3, freezes=freezes)
        finally:
            await database.dispose()

    asyncio.run(seeding())
    kept = _run(
        fresh_url,
        "SELECT portal_id, sum(live) FROM release_live_counts GROUP BY portal_id ORDER BY 1",
        {},
    )
    counted = _run(
        fresh_url,
        "SELECT portal_id, count(*) FROM releases WHERE deleted_time IS NULL"
        " GROUP BY portal_id ORDER BY 1",
        {},
    )
    assert [tuple(map(int, row)) for row in kept] == [tuple(map(int, row)) for row in counted]
    assert sorted(int(n) for _, n in counted) == [30, 270]
    if not freezes:
        return
    [(links, linked)] = _run(
        fresh_url, "SELECT count(*), count(DISTINCT release_id) FROM release_services", {}
    )
    assert int(linked) == 300 and 300 < int(links) < 600  # one or two services each
    windows = _run(
        fresh_url,
        "SELECT portal_id, effect, rrule IS NULL, scope FROM freeze_windows ORDER BY id",
        {},
    )
    assert len(windows) == freezes and {int(w[0]) for w in windows} == {int(kept[0][0])}
    assert {w[1] for w in windows} == {"block", "warn"}
    assert {bool(w[2]) for w in windows} == {True, False}  # one-off and recurring
    assert len({str(w[3]) for w in windows}) > 2  # everything, services, a release type
