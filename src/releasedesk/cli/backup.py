"""releasedesk backup FILE | restore FILE: the commands; the work is releasedesk.backup's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from releasedesk.backup.errors import BackupRefused
from releasedesk.backup.manifest import Manifest
from releasedesk.backup.service import restore_backup, take_backup
from releasedesk.settings import Settings

FileArgument = Annotated[Path, typer.Argument(help="The backup file (a zip with a manifest).")]


def backup(
    file: FileArgument,
    logical: Annotated[
        bool,
        typer.Option(
            "--logical",
            help="Write every table as JSON lines (restores into SQLite or PostgreSQL) "
            "instead of the database's own format.",
        ),
    ] = False,
) -> None:
    """Back up the database to FILE while the server keeps serving.

    SQLite: its file, copied with the online backup API. PostgreSQL: pg_dump's custom
    format when pg_dump is on PATH and not older than the server, else a logical export.
    FILE (a zip with a manifest) is replaced whole once the backup is complete.
    """
    try:
        manifest = take_backup(Settings.from_env().database_url, file, logical_format=logical)
    except BackupRefused as refused:
        _fail(refused.message)
    except OSError as error:  # the file or a scratch directory: unwritable, full, …
        _fail(str(error))
    if manifest.note:
        typer.echo(f"note: {manifest.note}")
    typer.echo(f"backup written to {file}: {_described(manifest)}")


def restore(
    file: FileArgument,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace a database that has rows in it (or that other sessions use).",
        ),
    ] = False,
) -> None:
    """Restore FILE into a new database (one with rows only with --force).

    Stop every server using the database first: on PostgreSQL restore refuses while other
    sessions are connected (unless --force); on SQLite it replaces the data in one step,
    but a server left running keeps what it cached (keys, users) from before. A backup of
    an older schema is migrated to this releasedesk's after restoring; one of a newer
    schema is refused.
    """
    try:
        manifest = restore_backup(Settings.from_env().database_url, file, force=force)
    except BackupRefused as refused:
        _fail(refused.message)
    except OSError as error:  # the file or a scratch directory: unwritable, full, …
        _fail(str(error))
    typer.echo(f"restored {file}: {_described(manifest)}")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1) from None


def _described(manifest: Manifest) -> str:
    return (
        f"{manifest.kind} of {manifest.database}, schema {manifest.revision}, taken "
        f"{manifest.taken_at}, {manifest.rows} rows in {len(manifest.counts)} tables"
    )
