"""Run one CLI action in one transaction against the configured database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import ReleaseDeskError
from releasedesk.db.session import Database
from releasedesk.settings import Settings

T = TypeVar("T")


def run_in_transaction(action: Callable[[AsyncSession], Awaitable[T]], *, writes: bool = True) -> T:
    """Commit what `action` did, or roll back and exit 1 with the error's message.

    `writes=False` runs a read without taking SQLite's write lock.
    """

    async def main() -> T:
        settings = Settings.from_env()
        database = Database(settings.database_url, settings.database)
        try:
            async with database.unit_of_work(writes=writes) as session:
                return await action(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except ReleaseDeskError as exc:
        field = f" ({exc.field})" if exc.field else ""
        typer.echo(f"error{field}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    except IntegrityError as exc:
        # A unique constraint caught what the service's check could not see (a concurrent
        # writer got there first): say so rather than print a traceback.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        typer.echo(f"error: the database refused the change: {reason}", err=True)
        raise typer.Exit(1) from None
