"""Alembic environment: runs migrations over the async engine of the configured database."""

from __future__ import annotations

import asyncio
import warnings

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning

from releasedesk.db.base import Base
from releasedesk.db.engine import create_engine
from releasedesk.db.models import Portal  # noqa: F401  (registers every model)
from releasedesk.settings import DatabaseSettings

config = context.config

# On SQLite a batch migration reflects the tables the rebuilt table references (users, the
# lookups), and SQLAlchemy cannot reflect their expression indexes (lower(name)), so it warns
# once per index. Those tables are only read, not rebuilt, so nothing is lost; a migration
# that rebuilds a table with an expression index recreates that index itself.
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)
target_metadata = Base.metadata


# Made by hand in the migrations, for one database only, so the models do not declare them:
# the FTS5 table of 0003 on SQLite (and the shadow tables FTS5 keeps beside it, named
# releases_fts_*), the auth_version counter of 0009 on SQLite, and the pg_trgm GIN index of
# 0001 on PostgreSQL.
HAND_MADE_TABLE_PREFIXES = ("releases_fts", "auth_version")
HAND_MADE_INDEXES = frozenset({"ix_releases_title_trgm"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave out of autogenerate what exists only in the database because a migration made
    it by hand; anything the models declare is still compared."""
    if not reflected or compare_to is not None or name is None:
        return True
    if type_ == "table":
        return not name.startswith(HAND_MADE_TABLE_PREFIXES)
    if type_ == "index":
        return name not in HAND_MADE_INDEXES
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    # No statement timeout: a migration may rebuild an index over every release.
    engine = create_engine(url, DatabaseSettings(statement_timeout_seconds=0))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; run `releasedesk db upgrade`")
run_migrations_online()
