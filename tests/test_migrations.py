"""The migrations and the models agree: autogenerate against a migrated database proposes nothing.

The comparison runs inside the packaged env.py, so it uses the very `include_object` (and
options) that `alembic revision --autogenerate` would.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Iterable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table

from releasedesk.db.base import Base
from releasedesk.db.migrate import alembic_config, upgrade
from releasedesk.db.models import Portal  # noqa: F401  (registers every model)
from tests.test_history_migration import _release_and_user, _run, fresh_url  # noqa: F401


def _autogenerate_diff(database_url: str, metadata: MetaData) -> list[object]:
    """What autogenerate would change in the database to match `metadata`."""
    config = alembic_config(database_url)
    script = ScriptDirectory.from_config(config)
    diff: list[object] = []

    def compare(_heads: object, context: MigrationContext) -> Iterable[object]:
        diff.extend(compare_metadata(context, metadata))
        return ()  # run no migration

    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(name), …); Alembic says it skips
        # comparing them, which is no difference.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        with EnvironmentContext(config, script, fn=compare):
            script.run_env()
    return diff


def test_autogenerate_against_the_migrated_database_proposes_no_change(
    database_url: str,
) -> None:
    diff = _autogenerate_diff(database_url, Base.metadata)
    assert not diff, "autogenerate proposes:\n" + "\n".join(repr(entry) for entry in diff)


def test_autogenerate_still_sees_a_difference(database_url: str) -> None:
    """The filter leaves out only the hand-made objects: a table the database lacks shows."""
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("not_migrated_yet", metadata, Column("id", Integer, primary_key=True))
    diff = _autogenerate_diff(database_url, metadata)
    assert [entry[0] for entry in diff if isinstance(entry, tuple)] == ["add_table"]


def _add_releases(url: str, portal_id: int, count: int) -> None:
    """`count` releases inserted straight into the table (as the bench seeder does)."""
    for _ in range(count):
        key = uuid.uuid4()
        _run(
            url,
            "INSERT INTO releases (portal_id, uuid, version, title, template_id, stage_id,"
            " status_id, emergency, notes_present, created_time)"
            " SELECT :p, :u, 1, 'Counted', t.id, s.id, st.id, false, false, :now"
            " FROM release_templates t, release_stages s, release_statuses st"
            " WHERE t.portal_id = :p AND s.portal_id = :p AND st.stage_id = s.id"
            " ORDER BY s.stage_index, st.id LIMIT 1",
            {
                "p": portal_id,
                "u": key.hex if url.startswith("sqlite") else key,
                "now": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            },
        )


def _counts(url: str, portal_id: int) -> tuple[int, int]:
    """(the live count the triggers kept, the live releases in the table)."""
    kept = _run(
        url,
        "SELECT coalesce(sum(live), 0) FROM release_live_counts WHERE portal_id = :p",
        {"p": portal_id},
    )
    live = _run(
        url,
        "SELECT count(*) FROM releases WHERE portal_id = :p AND deleted_time IS NULL",
        {"p": portal_id},
    )
    return int(kept[0][0]), int(live[0][0])


def _trash(url: str, portal_id: int, count: int, *, restore: bool = False) -> None:
    """Trash (or restore) `count` releases of the portal, one statement."""
    value = None if restore else dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    _run(
        url,
        "UPDATE releases SET deleted_time = :t WHERE id IN (SELECT id FROM releases"
        " WHERE portal_id = :p AND deleted_time IS "
        + ("NOT NULL" if restore else "NULL")
        + " ORDER BY id LIMIT :n)",
        {"t": value, "p": portal_id, "n": count},
    )


def test_0012_counts_what_is_there_and_goes_down_cleanly(fresh_url: str) -> None:  # noqa: F811
    """Rows written before 0012 (or with it gone) are counted by the upgrade; the triggers
    then follow inserts, trash, restore, deletes and a portal's deletion."""
    upgrade(fresh_url)
    _release, _user = _release_and_user(fresh_url)
    portal_id = int(
        _run(fresh_url, "SELECT portal_id FROM releases WHERE id = :r", {"r": _release})[0][0]
    )
    _add_releases(fresh_url, portal_id, 3)
    assert _counts(fresh_url, portal_id) == (4, 4)

    command.downgrade(alembic_config(fresh_url), "0011")
    tables = _run(fresh_url, "SELECT count(*) FROM releases", {})
    assert tables == [(4,)]
    _add_releases(fresh_url, portal_id, 3)  # no trigger, no table: nothing fails
    _trash(fresh_url, portal_id, 2)

    upgrade(fresh_url)
    assert _counts(fresh_url, portal_id) == (5, 5)
    _add_releases(fresh_url, portal_id, 2)
    assert _counts(fresh_url, portal_id) == (7, 7)
    _trash(fresh_url, portal_id, 3)
    assert _counts(fresh_url, portal_id) == (4, 4)
    _trash(fresh_url, portal_id, 1, restore=True)
    assert _counts(fresh_url, portal_id) == (5, 5)
    _run(
        fresh_url,
        "UPDATE releases SET title = 'Renamed', deleted_time = deleted_time WHERE portal_id = :p",
        {"p": portal_id},
    )  # deleted_time written, not changed: no count moves
    assert _counts(fresh_url, portal_id) == (5, 5)
    _run(
        fresh_url,
        "DELETE FROM releases WHERE portal_id = :p AND deleted_time IS NOT NULL",
        {"p": portal_id},
    )
    assert _counts(fresh_url, portal_id) == (5, 5)
    _run(
        fresh_url,
        "DELETE FROM releases WHERE id IN (SELECT id FROM releases WHERE portal_id = :p"
        " ORDER BY id LIMIT 2)",
        {"p": portal_id},
    )
    assert _counts(fresh_url, portal_id) == (3, 3)

    _run(fresh_url, "DELETE FROM portals WHERE id = :p", {"p": portal_id})  # its releases cascade
    assert _run(fresh_url, "SELECT count(*) FROM release_live_counts", {}) == [(0,)]

    command.downgrade(alembic_config(fresh_url), "0011")
    left = {n for n in _table_names(fresh_url) if n.startswith("release_live_counts")}
    assert not left, left


def _table_names(url: str) -> set[str]:
    if url.startswith("sqlite"):
        rows = _run(url, "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')", {})
    else:
        rows = _run(
            url,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            " UNION SELECT proname FROM pg_proc WHERE proname LIKE 'release_live%'",
            {},
        )
    return {row[0] for row in rows}
