"""Migration 0018 renames a person's SDP-worded keys in stored history (email_id, is_vipuser)
to the core's (email, is_vip), and back; SDP's history answer shows SDP's words either way.

Runs on a database of its own, like tests/test_history_migration.py, whose helpers it uses.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from alembic import command

from releasedesk.api.sdp.translate_history import value_json
from releasedesk.db.migrate import alembic_config, upgrade
from tests.test_history_migration import _release_and_user, _run, fresh_url

__all__ = ["fresh_url"]  # the fixture, used by name

pytestmark = pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")


def _person(email: str, vip: str) -> dict[str, Any]:
    return {
        "id": 5,
        "name": "Ada",
        email: "ada@example.com",
        "phone": None,
        "mobile": None,
        vip: True,
        "department": {"id": 1, "name": "Ops"},
    }


def _diff(email: str, vip: str) -> list[dict[str, Any]]:
    """A role given (a person inside a holder) and an approval's approver changed."""
    holder = {"assignment_id": 6, "role": {"id": 2, "name": "RE"}, "user": _person(email, vip)}
    return [
        {"field": "role_holder", "previous": None, "current": holder},
        {"field": "approver", "previous": None, "current": _person(email, vip)},
        {"field": "title", "previous": "email_id", "current": {"id": 1, "name": "is_vipuser"}},
    ]


def _diffs(url: str, release_id: int) -> list[Any]:
    rows = _run(
        url, "SELECT diff FROM release_history WHERE release_id = :r ORDER BY id", {"r": release_id}
    )
    return [r[0] if isinstance(r[0], list) else json.loads(r[0]) for r in rows]


def test_history_people_take_neutral_keys_and_give_them_back(fresh_url: str) -> None:
    upgrade(fresh_url, "0017")
    release_id, user_id = _release_and_user(fresh_url)
    sdp_words = _diff("email_id", "is_vipuser")
    _run(
        fresh_url,
        "INSERT INTO release_history (release_id, operation, actor_id, time, diff)"
        " VALUES (:r, 'role_assigned', :a, :t, :d)",
        {
            "r": release_id,
            "a": user_id,
            "t": dt.datetime(2026, 1, 1)
            if fresh_url.startswith("sqlite")
            else dt.datetime.now(dt.UTC),
            "d": json.dumps(sdp_words),
        },
    )

    upgrade(fresh_url, "0018")
    [neutral] = _diffs(fresh_url, release_id)
    assert neutral == _diff("email", "is_vip")
    assert list(neutral[1]["current"]) == list(_person("email", "is_vip"))  # order kept
    # SDP shows the stored person as it did before the rename
    shown = value_json(neutral[1]["current"])
    assert list(shown)[:7] == list(_person("email_id", "is_vipuser"))
    assert (shown["email_id"], shown["is_vipuser"], shown["profile_pic"]) == (
        "ada@example.com",
        True,
        None,
    )

    command.downgrade(alembic_config(fresh_url), "0017")
    assert _diffs(fresh_url, release_id) == [sdp_words]
