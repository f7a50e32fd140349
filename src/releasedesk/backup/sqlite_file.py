"""A SQLite database copied out and back with SQLite's online backup API.

The copy is one step (`pages=-1`): it reads one snapshot of the database under a read
lock, which in WAL mode writers do not wait for, so a serving database backs up
consistently while it keeps taking writes.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from releasedesk.backup.errors import BackupRefused
from releasedesk.backup.schema import tables

BUSY_MS = 10_000


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return connection


def copy_out(database: Path, copy: Path) -> None:
    """Copy the live `database` to `copy`, a self-contained file (no WAL beside it)."""
    if not database.is_file():
        raise BackupRefused(f"no SQLite database at {database}")
    with closing(_connect(database)) as source, closing(_connect(copy)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")


def copy_in(copy: Path, database: Path) -> None:
    """Replace every page of `database` by those of `copy`, in one step under the write
    lock: a connection open meanwhile sees the old database or the restored one, whole."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(_connect(copy)) as source, closing(_connect(database)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")


def revision(copy: Path) -> str | None:
    """The Alembic revision recorded in the database file at `copy` (None: not migrated)."""
    with closing(_connect(copy)) as connection:
        try:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return None if found is None else str(found[0])


def row_counts(copy: Path) -> dict[str, int]:
    """Rows per table of the models in the database file at `copy`."""
    with closing(_connect(copy)) as connection:
        present = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        return {
            table.name: int(
                connection.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]  # noqa: S608
            )
            for table in tables()
            if table.name in present
        }
