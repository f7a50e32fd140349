"""Take a backup of the configured database, or restore one into it: which payload, which
checks, in which order. The formats themselves live beside this (sqlite_file, pg_tools,
logical); the CLI (cli/backup.py) only calls take_backup and restore_backup.

Restore refuses, before touching anything: a file that is not a releasedesk backup; one
from a schema revision this releasedesk does not know (a newer releasedesk's); a logical
export from another revision than this one's; a pg_dump archive into SQLite; a database
with rows in it, unless forced; on PostgreSQL, a database other sessions are connected to
(a server still running), unless forced. A SQLite file or pg_dump archive from an older
revision is restored as it was, then migrated to this releasedesk's head.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from releasedesk.backup import logical, pg_tools, schema, sqlite_file
from releasedesk.backup.errors import BackupRefused
from releasedesk.backup.manifest import Manifest, now_text, read_manifest, write_manifest
from releasedesk.db.engine import IMMEDIATE, create_engine, is_sqlite
from releasedesk.db.migrate import upgrade
from releasedesk.settings import DatabaseSettings

# A backup or restore runs on one connection, with no statement timeout: copying a large
# table is one long statement by design.
ONE_CONNECTION = DatabaseSettings(pool_size=1, statement_timeout_seconds=0)


def take_backup(url: str, path: Path, *, logical_format: bool = False) -> Manifest:
    """Write a backup of the database at `url` to `path` (replaced whole, or left as it
    was when the backup fails). SQLite: its file, copied online; PostgreSQL: a pg_dump
    archive when pg_dump is on PATH and not older than the server, else a logical export;
    `logical_format` asks for the logical export on either."""
    with _beside(path, ".partial") as partial:
        if logical_format:
            manifest = asyncio.run(_logical_backup(url, partial, note=""))
        elif is_sqlite(url):
            manifest = _sqlite_backup(_sqlite_path(url), partial)
        else:
            manifest = asyncio.run(_postgresql_backup(url, partial))
        partial.replace(path)
    return manifest


def restore_backup(url: str, path: Path, *, force: bool = False) -> Manifest:
    """Restore the backup at `path` into the database at `url` (see the module's rules)."""
    manifest = read_manifest(path)
    head = schema.head_revision()
    into = "sqlite" if is_sqlite(url) else "postgresql"
    _check_revision(manifest, head, into)
    asyncio.run(_check_target(url, head, force))
    with zipfile.ZipFile(path) as archive, _scratch(url) as scratch:
        payload = scratch / manifest.payload
        with archive.open(manifest.payload) as source, payload.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        if manifest.kind == "sqlite-file" and into == "sqlite":
            sqlite_file.copy_in(payload, _sqlite_path(url))
        elif manifest.kind == "pg-custom":
            pg_tools.restore(_pg_restore(manifest), url, payload)
        else:
            upgrade(url)
            asyncio.run(_logical_restore(url, manifest, payload, force))
    upgrade(url)  # an older revision's file or archive: on to this releasedesk's head
    if manifest.revision == head:
        _check_counts(url, manifest)
    return manifest


def _check_revision(manifest: Manifest, head: str, into: str) -> None:
    if not schema.is_known(manifest.revision):
        raise BackupRefused(
            f"the backup is of schema revision {manifest.revision}, which this releasedesk "
            f"(at {head}) does not know: restore it with the releasedesk that made it, or newer"
        )
    if manifest.kind == "pg-custom" and into == "sqlite":
        raise BackupRefused(
            "this is a pg_dump archive of a PostgreSQL database: it restores only into "
            "PostgreSQL (to move to SQLite, back up with `releasedesk backup --logical`)"
        )
    moved = manifest.kind == "logical" or (manifest.kind == "sqlite-file" and into != "sqlite")
    if moved and manifest.revision != head:
        instead = (
            "restore it into SQLite, which migrates it, then take a --logical backup there"
            if manifest.kind == "sqlite-file"
            else "restore it with the releasedesk that made it, upgrade, and back up again"
        )
        raise BackupRefused(
            f"the backup's rows are in schema revision {manifest.revision} and this "
            f"releasedesk's schema is at {head}: a {manifest.kind} backup restores into "
            f"{into} only at the same revision ({instead})"
        )


async def _check_target(url: str, head: str, force: bool) -> None:
    async with _connection(url) as connection:
        revision = await schema.current_revision(connection)
        if revision is not None and not schema.is_known(revision):
            raise BackupRefused(
                f"the database is at schema revision {revision}, newer than this "
                f"releasedesk's ({head}): restore with the releasedesk that migrated it"
            )
        rows = sum((await schema.row_counts(connection)).values())
        others = 0 if is_sqlite(url) else await _other_sessions(connection)
    if rows and not force:
        raise BackupRefused(
            f"the database is not empty ({rows} rows): restore into a new database, or give "
            "--force to replace everything in it with the backup"
        )
    if others and not force:
        raise BackupRefused(
            f"{others} other session(s) are connected to the database (a server running?): "
            "stop them first, or give --force"
        )


async def _other_sessions(connection: AsyncConnection) -> int:
    found = await connection.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )
    return int(found.scalar_one())


def _check_counts(url: str, manifest: Manifest) -> None:
    async def counts() -> dict[str, int]:
        async with _connection(url) as connection:
            return await schema.row_counts(connection)

    restored = asyncio.run(counts())
    differ = sorted(name for name in manifest.counts if restored.get(name) != manifest.counts[name])
    if differ:
        raise BackupRefused(
            "restored, but the row counts differ from the backup's for: " + ", ".join(differ)
        )


def _sqlite_backup(database: Path, partial: Path) -> Manifest:
    with tempfile.TemporaryDirectory(dir=partial.parent) as scratch:
        copy = Path(scratch) / "database.sqlite3"
        sqlite_file.copy_out(database, copy)
        revision = sqlite_file.revision(copy)
        if revision is None or not schema.is_known(revision):
            raise BackupRefused(
                f"{database}: not a releasedesk database this releasedesk knows "
                f"(schema revision {revision})"
            )
        manifest = Manifest(
            kind="sqlite-file",
            database="sqlite",
            revision=revision,
            taken_at=now_text(),
            counts=sqlite_file.row_counts(copy),
            tool=f"SQLite online backup, {sqlite3.sqlite_version}",
        )
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            write_manifest(archive, manifest)
            archive.write(copy, manifest.payload)
    return manifest


async def _postgresql_backup(url: str, partial: Path) -> Manifest:
    tool = pg_tools.find("pg_dump")
    async with _snapshot(url) as connection:
        server = int((await connection.execute(text("SHOW server_version_num"))).scalar_one())
        if tool is None:
            note = "pg_dump is not on PATH: a logical export instead"
        elif tool.major < server // 10000:
            note = f"pg_dump {tool.major} is older than the server ({server // 10000})"
            note += ": a logical export instead"
        else:
            return await _pg_dump(url, partial, connection, tool)
    return await _logical_backup(url, partial, note=note)


async def _pg_dump(
    url: str, partial: Path, connection: AsyncConnection, tool: pg_tools.Tool
) -> Manifest:
    """pg_dump in the snapshot `connection` holds, so the counts are the archive's."""
    revision = await schema.current_revision(connection)
    if revision is None or not schema.is_known(revision):
        raise BackupRefused(
            f"not a releasedesk database this releasedesk knows (schema revision {revision})"
        )
    snapshot = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
    counts = await schema.row_counts(connection)
    with tempfile.TemporaryDirectory(dir=partial.parent) as scratch:
        archive_path = Path(scratch) / "database.pgdump"
        process = await asyncio.create_subprocess_exec(
            *pg_tools.dump_command(tool, archive_path, snapshot),
            env=pg_tools.libpq_environment(url),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, error = await process.communicate()
        if process.returncode != 0:
            said = error.decode(errors="replace").strip().splitlines()
            raise BackupRefused("pg_dump failed: " + (said[0] if said else "no message"))
        manifest = Manifest(
            kind="pg-custom",
            database="postgresql",
            revision=revision,
            taken_at=now_text(),
            counts=counts,
            tool=tool.version,
        )
        # The archive is compressed already: stored, not deflated again.
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            write_manifest(archive, manifest)
            archive.write(archive_path, manifest.payload)
    return manifest


async def _logical_backup(url: str, partial: Path, note: str) -> Manifest:
    async with _snapshot(url) as connection:
        revision = await _head_only(connection, "a logical export")
        taken_at = now_text()
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            with archive.open("tables.jsonl", "w", force_zip64=True) as out:
                counts = await logical.write_lines(logical.read_tables(connection), out)
            manifest = Manifest(
                kind="logical",
                database="sqlite" if is_sqlite(url) else "postgresql",
                revision=revision,
                taken_at=taken_at,
                counts=counts,
                note=note,
            )
            write_manifest(archive, manifest)
    return manifest


async def _head_only(connection: AsyncConnection, what: str) -> str:
    revision, head = await schema.current_revision(connection), schema.head_revision()
    if revision != head:
        raise BackupRefused(
            f"the database's schema is at revision {revision}, not at this releasedesk's "
            f"({head}): run `releasedesk db upgrade` before taking {what}"
        )
    return head


async def _logical_restore(url: str, manifest: Manifest, payload: Path, force: bool) -> None:
    """Load a logical export, or the tables of a SQLite file, in one transaction."""
    async with _connection(url, writes=True) as connection:
        if force:
            await logical.clear(connection)
        if manifest.kind == "sqlite-file":
            async with _snapshot(f"sqlite:///{payload}") as source:
                await logical.load(connection, logical.read_tables(source))
        else:
            with payload.open("rb") as lines:
                await logical.load(connection, logical.read_lines(lines))
        await connection.commit()


@asynccontextmanager
async def _connection(url: str, *, writes: bool = False) -> AsyncIterator[AsyncConnection]:
    """A connection of its own (SQLite: holding the write lock from its first statement
    when `writes`)."""
    engine = create_engine(url, ONE_CONNECTION)
    try:
        async with engine.connect() as connection:
            if writes and is_sqlite(url):
                await connection.execution_options(**{IMMEDIATE: True})
            yield connection
    finally:
        await engine.dispose()


@asynccontextmanager
async def _snapshot(url: str) -> AsyncIterator[AsyncConnection]:
    """A read transaction that sees one moment of the database throughout."""
    engine = create_engine(url, ONE_CONNECTION)
    try:
        async with engine.connect() as connection:
            if not is_sqlite(url):
                await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                yield connection
    finally:
        await engine.dispose()


def _pg_restore(manifest: Manifest) -> pg_tools.Tool:
    tool = pg_tools.find("pg_restore")
    made_by = pg_tools.major_of(manifest.tool)
    if tool is None:
        raise BackupRefused(
            f"this backup is a pg_dump archive ({manifest.tool}): restoring it needs "
            "pg_restore on PATH (the PostgreSQL client tools, of that major version or later)"
        )
    if made_by is not None and tool.major < made_by:
        raise BackupRefused(
            f"this archive was made by {manifest.tool}; pg_restore {tool.major} cannot read "
            f"it: install the PostgreSQL {made_by} client tools or later"
        )
    return tool


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupRefused("a backup needs a SQLite database file, not an in-memory one")
    return Path(database)


@contextmanager
def _beside(path: Path, suffix: str) -> Iterator[Path]:
    """A file next to `path` to write first, removed if the work fails before the rename."""
    if path.is_dir():
        raise BackupRefused(f"{path} is a directory: give the backup file's name")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + suffix)
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _scratch(url: str) -> Iterator[Path]:
    """A temporary directory for the payload: beside a SQLite database (same disk), else
    the system's."""
    where = _sqlite_path(url).parent if is_sqlite(url) else None
    if where is not None:
        where.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=where, prefix=".releasedesk-restore-") as scratch:
        yield Path(scratch)
