"""Migration 0017 chains the audit rows written before it, so an upgraded database verifies
(its own copy of the canonical form agrees with the application's), and goes down cleanly."""

from __future__ import annotations

import asyncio
import datetime as dt

from alembic import command

from releasedesk.core.audit import service as audit
from releasedesk.core.audit.chain import Verdict
from releasedesk.db.migrate import alembic_config, upgrade
from releasedesk.db.session import Database
from tests.test_history_migration import _release_and_user, _run, fresh_url  # noqa: F401


def _verify(url: str, portal_id: int) -> Verdict:
    async def go() -> Verdict:
        database = Database(url)
        try:
            async with database.unit_of_work(writes=False) as session:
                return await audit.verify(session, portal_id, "p")
        finally:
            await database.dispose()

    return asyncio.run(go())


def test_0017_chains_the_rows_there_before_and_goes_down_cleanly(fresh_url: str) -> None:  # noqa: F811
    command.upgrade(alembic_config(fresh_url), "0016")
    _release, user_id = _release_and_user(fresh_url)
    portal_id = int(
        _run(fresh_url, "SELECT portal_id FROM users WHERE id = :u", {"u": user_id})[0][0]
    )
    sqlite = fresh_url.startswith("sqlite")
    for second, (kind, detail) in enumerate(
        [("user_added", '{"role":"admin"}'), ("role_changed", '{"from":"a","to":"b"}')] * 2
    ):
        moment = dt.datetime(2026, 3, 1, 12, 0, second, 123456, tzinfo=dt.UTC)
        _run(
            fresh_url,
            "INSERT INTO audit_events (portal_id, occurred_time, kind, actor_id, actor_name,"
            " subject_user_id, subject_user_name, detail)"
            " VALUES (:p, :t, :k, NULL, 'cli:root', :u, 'Zoë', :d)",
            {
                "p": portal_id,
                "t": moment.replace(tzinfo=None) if sqlite else moment,
                "k": kind,
                "u": user_id,
                "d": detail,
            },
        )

    upgrade(fresh_url)
    verdict = _verify(fresh_url, portal_id)
    assert verdict.intact and verdict.entries == 4, verdict
    assert verdict.head is not None and verdict.head.chain_seq == 4

    command.downgrade(alembic_config(fresh_url), "0016")
    assert _run(fresh_url, "SELECT count(*) FROM audit_events", {}) == [(4,)]
    upgrade(fresh_url)
    assert _verify(fresh_url, portal_id).intact
