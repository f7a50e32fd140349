"""Run the packaged Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to call from inside a running event loop."""
    config = alembic_config(database_url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    # env.py starts its own loop: run it on a thread when a loop already runs here.
    errors: list[BaseException] = []

    def run() -> None:
        try:
            command.upgrade(config, revision)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


def revision(database_url: str, message: str) -> None:
    """Autogenerate a new revision against `database_url` (developer tool)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def head_revision() -> str:
    """The revision the packaged migrations end at (what `db upgrade` brings a database to)."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None, "the packaged migrations have a head"
    return head


async def current_revision(session: AsyncSession) -> str | None:
    """The revision the database is at; None when it has never been migrated."""
    try:
        row = (await session.execute(text("SELECT version_num FROM alembic_version"))).first()
    except DBAPIError:  # no alembic_version table: never migrated
        await session.rollback()
        return None
    return None if row is None else str(row[0])
