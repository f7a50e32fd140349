"""Migration 0010 gives every existing portal the Default Lifecycle and the sample team with
their well-known UUIDs, and goes back down cleanly."""

from __future__ import annotations

import pytest
from alembic import command

from releasedesk.db.migrate import alembic_config, upgrade
from tests.test_history_migration import _run, fresh_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")


def test_existing_portals_get_the_default_lifecycle_and_team(fresh_url: str) -> None:  # noqa: F811
    upgrade(fresh_url, "0009")
    for name in ("first", "second"):
        _run(
            fresh_url,
            "INSERT INTO portals (name, display_name, created_time) "
            "VALUES (:n, :n, '2024-01-01 00:00:00')",
            {"n": name},
        )
    upgrade(fresh_url, "0010")
    models = _run(
        fresh_url,
        "SELECT p.name, m.name, m.uuid FROM lifecycle_models m "
        "JOIN portals p ON p.id = m.portal_id ORDER BY p.name",
        {},
    )
    assert [(p, m) for p, m, _ in models] == [
        ("first", "Default Lifecycle"),
        ("second", "Default Lifecycle"),
    ]
    assert {str(u).replace("-", "") for _, _, u in models} == {"0" * 31 + "6"}
    phases = _run(
        fresh_url,
        "SELECT name, index_order FROM phase_models WHERE portal_id = "
        "(SELECT id FROM portals WHERE name = 'first') ORDER BY index_order",
        {},
    )
    assert phases == [("DEV", 0), ("CERT", 1), ("QA", 2), ("PT", 3), ("PROD", 4)]
    teams = _run(fresh_url, "SELECT name FROM teams", {})
    assert teams == [("Team for Sample Release",), ("Team for Sample Release",)]
    command.downgrade(alembic_config(fresh_url), "0009")
    tables = _run(
        fresh_url,
        "SELECT count(*) FROM portals",
        {},
    )
    assert tables == [(2,)]
    upgrade(fresh_url, "head")
