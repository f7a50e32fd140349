"""Migration 0023 moves each portal's self-approval setting from `approval_policies` to
`approval_settings` (so `approval_policies` can hold issue 23's named policies) and goes
down cleanly, the setting back where it was."""

from __future__ import annotations

from alembic import command

from releasedesk.db.migrate import alembic_config, upgrade
from tests.test_history_migration import _release_and_user, _run, fresh_url  # noqa: F401


def test_0023_keeps_the_self_approval_setting_both_ways(fresh_url: str) -> None:  # noqa: F811
    command.upgrade(alembic_config(fresh_url), "0022")
    _release, user_id = _release_and_user(fresh_url)
    portal_id = int(
        _run(fresh_url, "SELECT portal_id FROM users WHERE id = :u", {"u": user_id})[0][0]
    )
    _run(
        fresh_url,
        "INSERT INTO approval_policies (portal_id, forbid_self_approval) VALUES (:p, true)",
        {"p": portal_id},
    )

    upgrade(fresh_url)
    kept = "SELECT portal_id, forbid_self_approval FROM approval_settings"
    assert [(int(p), bool(f)) for p, f in _run(fresh_url, kept, {})] == [(portal_id, True)]
    assert _run(fresh_url, "SELECT count(*) FROM approval_policies", {}) == [(0,)]

    command.downgrade(alembic_config(fresh_url), "0022")
    back = "SELECT portal_id, forbid_self_approval FROM approval_policies"
    assert [(int(p), bool(f)) for p, f in _run(fresh_url, back, {})] == [(portal_id, True)]
    upgrade(fresh_url)
