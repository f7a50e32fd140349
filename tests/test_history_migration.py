"""Migration 0006 turns history stored in SDP's terms into neutral history, and back.

Runs on a database of its own (a fresh SQLite file, or a fresh PostgreSQL database on the
suite's server), since it moves the schema down and up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from releasedesk.core.lifecycle import service as lifecycle_service
from releasedesk.core.portals.service import ensure_portal
from releasedesk.core.teams import service as team_service
from releasedesk.db.migrate import alembic_config, upgrade
from releasedesk.db.session import Database
from tests.conftest import _admin_execute

pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")

BEFORE = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision("0006").down_revision
MS = 1592820350370
ISO = "2020-06-22T10:05:50.370000Z"


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    backend = os.environ.get("RELEASEDESK_TEST_DATABASE", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"releasedesk_migrate_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin_execute(backend, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(backend).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin_execute(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(url: str, statement: str, params: dict[str, Any]) -> list[Any]:
    """One statement in its own transaction (async engine, as the app uses)."""

    async def go() -> list[Any]:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                result = await connection.execute(text(statement), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await database.dispose()

    return asyncio.run(go())


def _revision(url: str) -> str | None:
    try:
        where = _run(url, "SELECT version_num FROM alembic_version", {})
    except Exception:  # no alembic_version table: never migrated
        return None
    return str(where[0][0]) if where else None


def _release_and_user(url: str) -> tuple[int, int]:
    """A portal made by today's code, with a release and its first user: the schema goes to
    the head for it (today's models are the head's) and back to where the test had it."""
    revision = _revision(url)

    async def make() -> int:
        database = Database(url)
        try:
            async with database.unit_of_work() as session:
                return (await ensure_portal(session, f"m{uuid.uuid4().hex[:8]}")).id
        finally:
            await database.dispose()

    upgrade(url)
    portal_id = asyncio.run(make())
    if revision is not None:
        command.downgrade(alembic_config(url), revision)
    user_id = _run(
        url, "SELECT id FROM users WHERE portal_id = :p ORDER BY id LIMIT 1", {"p": portal_id}
    )
    key = uuid.uuid4()
    release = _run(
        url,
        "INSERT INTO releases (portal_id, uuid, version, title, template_id, stage_id,"
        " status_id, emergency, notes_present, created_time)"
        " SELECT :p, :u, 1, 'Migrated', t.id, s.id, st.id, false, false, :now"
        " FROM release_templates t, release_stages s, release_statuses st"
        " WHERE t.portal_id = :p AND s.portal_id = :p AND st.stage_id = s.id"
        " ORDER BY s.stage_index, st.id LIMIT 1 RETURNING id",
        {
            "p": portal_id,
            "u": key.hex if url.startswith("sqlite") else key,
            "now": dt.datetime(2026, 1, 1) if url.startswith("sqlite") else dt.datetime.now(dt.UTC),
        },
    )
    return int(release[0][0]), int(user_id[0][0])


OLD_ROWS: list[tuple[str, list[dict[str, Any]]]] = [
    ("add", []),
    (
        "update",
        [{"field": "scheduled_start_time", "previous_value": None, "current_value": MS}],
    ),
    (
        "release_to_release_role_add",
        [
            {"field": "user", "previous_value": None, "current_value": {"id": 5, "name": "Ada"}},
            {"field": "id", "previous_value": None, "current_value": 6},
            {"field": "role", "previous_value": None, "current_value": {"id": 2, "name": "RE"}},
        ],
    ),
    (
        "task_add",
        [{"field": "task", "previous_value": None, "current_value": {"id": 1, "time": MS}}],
    ),
]


def _history(url: str, release_id: int, with_subject: bool) -> list[tuple[Any, ...]]:
    subject = "subject" if with_subject else "NULL"
    rows = _run(
        url,
        f"SELECT operation, {subject}, diff FROM release_history WHERE release_id = :r ORDER BY id",
        {"r": release_id},
    )
    return [(r[0], r[1], r[2] if isinstance(r[2], list) else json.loads(r[2])) for r in rows]


def test_old_history_becomes_neutral_and_comes_back(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The schema before 0006 has no lifecycle or team tables (0010 makes them and gives
    # every portal its defaults), so the portal made here gets none.
    async def no_defaults(_session: object, _portal_id: int) -> None:
        return None

    monkeypatch.setattr(lifecycle_service, "insert_defaults", no_defaults)
    monkeypatch.setattr(team_service, "insert_defaults", no_defaults)
    upgrade(fresh_url, BEFORE or "base")
    release_id, user_id = _release_and_user(fresh_url)
    for operation, diff in OLD_ROWS:
        _run(
            fresh_url,
            "INSERT INTO release_history (release_id, operation, actor_id, time, diff)"
            " VALUES (:r, :o, :a, :t, :d)",
            {
                "r": release_id,
                "o": operation,
                "a": user_id,
                "t": dt.datetime(2026, 1, 1)
                if fresh_url.startswith("sqlite")
                else dt.datetime.now(dt.UTC),
                "d": json.dumps(diff),
            },
        )

    upgrade(fresh_url, "0006")
    neutral = _history(fresh_url, release_id, with_subject=True)
    assert [(op, subject) for op, subject, _ in neutral] == [
        ("created", None),
        ("updated", None),
        ("role_assigned", None),
        ("added", "task"),
    ]
    assert neutral[1][2] == [
        {"field": "scheduled_start_time", "previous": None, "current": {"$time": ISO}}
    ]
    assert neutral[2][2] == [
        {
            "field": "role_holder",
            "previous": None,
            "current": {
                "assignment_id": 6,
                "role": {"id": 2, "name": "RE"},
                "user": {"id": 5, "name": "Ada"},
            },
        }
    ]
    assert neutral[3][2][0]["current"] == {"id": 1, "time": {"$time": ISO}}

    command.downgrade(alembic_config(fresh_url), BEFORE or "base")
    back = _history(fresh_url, release_id, with_subject=False)
    assert [(op, diff) for op, _, diff in back] == OLD_ROWS
