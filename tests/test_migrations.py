"""The migrations and the models agree: autogenerate against a migrated database proposes nothing.

The comparison runs inside the packaged env.py, so it uses the very `include_object` (and
options) that `alembic revision --autogenerate` would.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table

from releasedesk.db.base import Base
from releasedesk.db.migrate import alembic_config
from releasedesk.db.models import Portal  # noqa: F401  (registers every model)


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
