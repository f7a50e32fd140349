"""The schema a backup is judged by: Alembic's revisions, the tables, their row counts."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from releasedesk.db.base import Base
from releasedesk.db.migrate import alembic_config
from releasedesk.db.models import Portal  # noqa: F401  (registers every model)

# Tables the database's own triggers write when rows of another table are inserted (the
# per-portal count of live releases, migration 0012): a logical restore writes them last,
# over what the triggers counted, so they hold the backup's rows exactly.
TRIGGER_KEPT = frozenset({"release_live_counts"})


def tables() -> list[Table]:
    """Every table of the models, parents before children (the order rows load in)."""
    return list(Base.metadata.sorted_tables)


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def is_known(revision: str) -> bool:
    """Whether this releasedesk's migrations include `revision` (an older one, or head)."""
    return revision in {script.revision for script in _scripts().walk_revisions()}


async def current_revision(connection: AsyncConnection) -> str | None:
    """The revision the database's schema is at, None when it has none (never migrated)."""
    names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    if "alembic_version" not in names:
        return None
    return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()


async def row_counts(connection: AsyncConnection) -> dict[str, int]:
    """Rows per table of the models, for those the database has."""
    names = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    counts = {}
    for table in tables():
        if table.name in names:
            found = await connection.execute(select(func.count()).select_from(table))
            counts[table.name] = int(found.scalar_one())
    return counts
