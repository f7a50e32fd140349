"""`releasedesk backup` and `restore` on the suite's database kind: a seeded database (the
demo data, keys, role changes, a trashed release, an approval awaiting decision) backed up
and restored into a fresh database holds every table of the models row for row, the same
live counts, and an audit trail that verifies; a SQLite backup taken under writes restores
to one consistent moment; restore refuses what it cannot or must not restore."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from click.testing import Result
from sqlalchemy import select, text
from typer.testing import CliRunner

from releasedesk.backup.service import take_backup
from releasedesk.cli.main import app
from releasedesk.db.base import Base
from releasedesk.db.engine import create_engine
from releasedesk.db.migrate import upgrade
from releasedesk.db.models import Portal  # noqa: F401  (registers every model)
from tests.conftest import BACKEND, own_database

runner = CliRunner()
Fresh = Callable[[], str]


def env_for(url: str, var_dir: Path, **more: str) -> dict[str, str]:
    return {"RELEASEDESK_DATABASE_URL": url, "RELEASEDESK_VAR_DIR": str(var_dir), **more}


def invoke(env: dict[str, str], *args: str) -> Result:
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result


def ok(env: dict[str, str], *args: str) -> Result:
    result = invoke(env, *args)
    assert result.exit_code == 0, result.output
    return result


def refused(env: dict[str, str], *args: str) -> str:
    result = invoke(env, *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: "), result.output
    return result.stderr


def query(url: str, statement: str) -> list[tuple[Any, ...]]:
    """Run one statement in a transaction of its own (committed); its rows."""

    async def go() -> list[tuple[Any, ...]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the models, each row in primary-key order, as the models read it."""

    async def go() -> dict[str, list[tuple[Any, ...]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                found = {}
                for table in Base.metadata.sorted_tables:
                    ordered = select(table).order_by(*table.primary_key.columns)
                    found[table.name] = [tuple(row) for row in await connection.execute(ordered)]
                return found
        finally:
            await engine.dispose()

    return asyncio.run(go())


def live_counts(url: str) -> list[tuple[str, int, int]]:
    """Per portal: the live count the triggers keep, and the live releases counted."""
    rows = query(
        url,
        "SELECT p.name, (SELECT coalesce(sum(c.live), 0) FROM release_live_counts c "
        "WHERE c.portal_id = p.id), (SELECT count(*) FROM releases r "
        "WHERE r.portal_id = p.id AND r.deleted_time IS NULL) FROM portals p ORDER BY p.name",
    )
    return [(str(name), int(kept), int(counted)) for name, kept, counted in rows]


def assert_same(source: str, restored: str) -> None:
    before, after = contents(source), contents(restored)
    assert set(after) == {table.name for table in Base.metadata.sorted_tables}
    for name, rows in before.items():
        assert after[name] == rows, f"table {name} differs after the restore"
    counts = live_counts(restored)
    assert counts == live_counts(source)
    assert all(kept == counted for _, kept, counted in counts), counts


def assert_sound(url: str, var_dir: Path) -> None:
    """The restored database's audit chain verifies, SQLite's title index agrees with its
    table, and new rows get ids after the restored ones (PostgreSQL's sequences moved on)."""
    env = env_for(url, var_dir)
    said = ok(env, "audit", "verify").stdout
    assert "intact" in said and "BROKEN" not in said, said
    if url.startswith("sqlite"):
        query(url, "INSERT INTO releases_fts(releases_fts) VALUES ('integrity-check')")
    highest = query(url, "SELECT max(id) FROM audit_events")[0][0]
    ok(env, "user", "add", f"After Restore {uuid.uuid4().hex[:8]}", "--role", "requester")
    assert query(url, "SELECT max(id) FROM audit_events")[0][0] > highest


def seed(url: str, var_dir: Path) -> None:
    """The demo data, plus keys, role changes, a portal setting and a trashed release: rows
    in the history, approvals, outbox, audit trail and live-count tables."""
    env = env_for(url, var_dir)
    ok(env, "db", "upgrade")
    ok(env, "demo")
    ok(env, "token", "create", "Heather Graham", "--name", "ci")
    ok(env, "user", "set-role", "Jane Doe", "technician")
    ok(env, "user", "deactivate", "Shawn Adams")
    ok(env, "portal", "set", "itdesk", "--forbid-self-approval")
    ok(env, "portal", "add", "second")
    ok(env, "demo", "--portal", "second")
    trashed = "2026-12-01 10:00:00" if url.startswith("sqlite") else "2026-12-01 10:00:00+00"
    query(
        url,
        f"UPDATE releases SET deleted_time = '{trashed}' WHERE id = (SELECT min(id) FROM releases)",
    )


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return request.config.stash[BACKEND]


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[Fresh]:
    """Make fresh, migrated, empty databases of the suite's kind, dropped afterwards."""
    with ExitStack() as stack:
        made = 0

        def make() -> str:
            nonlocal made
            made += 1
            directory = tmp_path / f"fresh{made}"
            directory.mkdir()
            return stack.enter_context(own_database(backend, directory))

        yield make


@pytest.fixture(scope="module")
def seeded(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One seeded database for the module (its URL and a var dir), only ever read."""
    directory = tmp_path_factory.mktemp("seeded")
    with own_database(backend, directory) as url:
        seed(url, directory)
        yield url, directory


def manifest_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        found: dict[str, Any] = json.loads(archive.read("manifest.json"))
        return found


@pytest.mark.parametrize("logical", [False, True], ids=["native", "logical"])
def test_a_backup_restores_into_a_fresh_database_row_for_row(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path, backend: str, logical: bool
) -> None:
    source, var_dir = seeded
    file = tmp_path / "releasedesk-backup.zip"
    ok(env_for(source, var_dir), "backup", str(file), *(["--logical"] if logical else []))

    manifest = manifest_of(file)
    native = "sqlite-file" if backend == "sqlite" else "pg-custom"
    assert manifest["kind"] == ("logical" if logical else native)
    assert manifest["database"] == ("sqlite" if backend == "sqlite" else "postgresql")
    assert manifest["revision"] == query(source, "SELECT version_num FROM alembic_version")[0][0]
    assert manifest["counts"] == {name: len(rows) for name, rows in contents(source).items()}
    assert manifest["counts"]["audit_events"] > 5 and manifest["counts"]["release_history"] > 0
    assert manifest["counts"]["release_approvals"] > 0 and manifest["counts"]["mail_outbox"] > 0

    target = fresh()
    said = ok(env_for(target, tmp_path), "restore", str(file)).stdout
    assert said.startswith(f"restored {file}: {manifest['kind']}")
    assert_same(source, target)
    assert_sound(target, tmp_path)


def test_postgresql_without_pg_dump_falls_back_to_the_logical_export(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("pg_dump is PostgreSQL's")
    source, var_dir = seeded
    file = tmp_path / "fallback.zip"
    said = ok(env_for(source, var_dir, PATH=str(tmp_path / "no-tools")), "backup", str(file))
    assert "note: pg_dump is not on PATH: a logical export instead" in said.stdout
    assert manifest_of(file)["kind"] == "logical"

    target = fresh()
    ok(env_for(target, tmp_path, PATH=str(tmp_path / "no-tools")), "restore", str(file))
    assert_same(source, target)
    assert_sound(target, tmp_path)


def test_a_pg_dump_archive_needs_pg_restore(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("pg_dump is PostgreSQL's")
    source, var_dir = seeded
    file = tmp_path / "archive.zip"
    ok(env_for(source, var_dir), "backup", str(file))
    target = fresh()
    message = refused(env_for(target, tmp_path, PATH=str(tmp_path / "none")), "restore", str(file))
    assert "needs pg_restore on PATH" in message
    newer = tmp_path / "newer.zip"
    _with_manifest(file, newer, tool="pg_dump (PostgreSQL) 99.1")
    message = refused(env_for(target, tmp_path), "restore", str(newer))
    assert "install the PostgreSQL 99 client tools or later" in message
    assert sum(len(rows) for rows in contents(target).values()) == 0


def test_a_pg_dump_older_than_the_server_is_not_used(
    seeded: tuple[str, Path], tmp_path: Path, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("pg_dump is PostgreSQL's")
    tools = tmp_path / "old-tools"
    tools.mkdir()
    old = tools / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    source, var_dir = seeded
    file = tmp_path / "backup.zip"
    said = ok(env_for(source, var_dir, PATH=str(tools)), "backup", str(file)).stdout
    assert "note: pg_dump 9 is older than the server (" in said
    assert manifest_of(file)["kind"] == "logical"


def test_restore_refuses_a_database_with_rows_unless_forced(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path
) -> None:
    source, var_dir = seeded
    file = tmp_path / "backup.zip"
    ok(env_for(source, var_dir), "backup", str(file))

    target = fresh()
    env = env_for(target, tmp_path)
    ok(env, "db", "upgrade")  # the default portal: rows
    ok(env, "portal", "add", "mine")
    before = contents(target)
    message = refused(env, "restore", str(file))
    assert "the database is not empty" in message and "--force" in message
    assert contents(target) == before

    ok(env, "restore", "--force", str(file))
    assert_same(source, target)
    assert_sound(target, tmp_path)


def test_restore_refuses_what_is_not_a_backup_of_this_schema(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path
) -> None:
    source, var_dir = seeded
    target = fresh()
    env = env_for(target, tmp_path)

    stray = tmp_path / "notes.zip"
    with zipfile.ZipFile(stray, "w") as archive:
        archive.writestr("notes.txt", "not a backup")
    assert "not a releasedesk backup" in refused(env, "restore", str(stray))
    assert "no such file" in refused(env, "restore", str(tmp_path / "missing.zip"))

    file = tmp_path / "backup.zip"
    ok(env_for(source, var_dir), "backup", "--logical", str(file))
    for revision, says in (
        ("9999", "which this releasedesk (at "),
        ("0016", "only at the same revision (restore it with the releasedesk that made it"),
    ):
        changed = tmp_path / f"revision-{revision}.zip"
        _with_manifest(file, changed, revision=revision)
        assert says in refused(env, "restore", str(changed))
    assert sum(len(rows) for rows in contents(target).values()) == 0


def _with_manifest(source: Path, target: Path, **changes: Any) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
            new.writestr(item, data)


def test_a_sqlite_backup_under_writes_restores_one_moment(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path, backend: str
) -> None:
    """Writers commit while backups are taken: each backup holds whole transactions only
    (two titles always of one generation, the live count agreeing with the trash)."""
    if backend != "sqlite":
        pytest.skip("SQLite's online backup")
    source, var_dir = seeded
    copy = tmp_path / "copy.zip"
    ok(env_for(source, var_dir), "backup", str(copy))
    busy = fresh()
    ok(env_for(busy, tmp_path), "restore", str(copy))
    path = Path(busy.removeprefix("sqlite:///"))

    stop, commits = threading.Event(), [0]
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with closing(sqlite3.connect(path, isolation_level=None)) as connection:
                connection.execute("PRAGMA busy_timeout=10000")
                first, second, third = (
                    row[0] for row in connection.execute("SELECT id FROM releases LIMIT 3")
                )
                while not stop.is_set():
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute(
                        "UPDATE releases SET title = ? WHERE id IN (?, ?)",
                        (f"generation {commits[0] + 1}", first, second),
                    )
                    connection.execute(
                        "UPDATE releases SET deleted_time = CASE WHEN deleted_time IS NULL "
                        "THEN '2026-12-01 10:00:00.000000' ELSE NULL END WHERE id = ?",
                        (third,),
                    )
                    connection.execute("COMMIT")
                    commits[0] += 1
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        files = []
        overlapped = False
        while commits[0] < 5 and not failures:
            stop.wait(0.01)
        for number in range(3):
            files.append(tmp_path / f"under-writes-{number}.zip")
            before = commits[0]
            take_backup(busy, files[-1])
            overlapped = overlapped or commits[0] > before
    finally:
        stop.set()
        writer.join()
    assert not failures, failures
    assert overlapped, "no write committed while a backup was taken"

    for file in files:
        target = fresh()
        ok(env_for(target, tmp_path), "restore", str(file))
        titles = query(target, "SELECT title FROM releases ORDER BY id LIMIT 2")
        assert titles[0] == titles[1] and str(titles[0][0]).startswith("generation ")
        assert all(kept == counted for _, kept, counted in live_counts(target))
        assert_sound(target, tmp_path)


def test_a_sqlite_file_of_an_older_schema_is_upgraded_after_restoring(
    fresh: Fresh, tmp_path: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("a SQLite database file")
    older = f"sqlite:///{tmp_path / 'older.db'}"
    upgrade(older, "0016")
    env = env_for(older, tmp_path)
    assert "run `releasedesk db upgrade`" in refused(
        env, "backup", "--logical", str(tmp_path / "l.zip")
    )
    file = tmp_path / "older.zip"
    ok(env, "backup", str(file))
    assert manifest_of(file)["revision"] == "0016"

    restored = f"sqlite:///{tmp_path / 'new' / 'restored.db'}"  # not there yet
    ok(env_for(restored, tmp_path), "restore", str(file))
    head = query(fresh(), "SELECT version_num FROM alembic_version")
    assert query(restored, "SELECT version_num FROM alembic_version") == head


def test_backups_move_between_sqlite_and_postgresql(
    fresh: Fresh, tmp_path: Path, backend: str
) -> None:
    """A SQLite file restores into PostgreSQL, a logical export of PostgreSQL into SQLite;
    a pg_dump archive is refused by SQLite, saying how to move instead."""
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL beside SQLite")
    lite = f"sqlite:///{tmp_path / 'lite' / 'releasedesk.db'}"
    env = env_for(lite, tmp_path)
    ok(env, "db", "upgrade")
    ok(env, "demo")
    ok(env, "token", "create", "Heather Graham")
    ok(env, "backup", str(tmp_path / "lite.zip"))

    postgresql = fresh()
    ok(env_for(postgresql, tmp_path), "restore", str(tmp_path / "lite.zip"))
    assert_same(lite, postgresql)
    assert_sound(postgresql, tmp_path)

    pg_env = env_for(postgresql, tmp_path)
    ok(pg_env, "backup", str(tmp_path / "pg.zip"))
    again = f"sqlite:///{tmp_path / 'again' / 'releasedesk.db'}"
    message = refused(env_for(again, tmp_path), "restore", str(tmp_path / "pg.zip"))
    assert "restores only into PostgreSQL" in message and "--logical" in message

    ok(pg_env, "backup", "--logical", str(tmp_path / "pg-logical.zip"))
    ok(env_for(again, tmp_path), "restore", str(tmp_path / "pg-logical.zip"))
    assert_same(postgresql, again)
    assert_sound(again, tmp_path)


def test_postgresql_restore_refuses_while_a_server_is_connected(
    seeded: tuple[str, Path], fresh: Fresh, tmp_path: Path, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("PostgreSQL's sessions")
    source, var_dir = seeded
    file = tmp_path / "backup.zip"
    ok(env_for(source, var_dir), "backup", str(file))
    target = fresh()
    connected, done = threading.Event(), threading.Event()

    def hold() -> None:  # an idle connection, as a server's pool keeps
        async def go() -> None:
            connection = await asyncpg.connect(target)
            try:
                connected.set()
                await asyncio.to_thread(done.wait)
            finally:
                await connection.close()

        asyncio.run(go())

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert connected.wait(10)
        message = refused(env_for(target, tmp_path), "restore", str(file))
        assert "1 other session(s) are connected to the database" in message
    finally:
        done.set()
        holder.join()
    ok(env_for(target, tmp_path), "restore", str(file))
    assert_same(source, target)


def test_backup_says_why_it_cannot_write_the_file(seeded: tuple[str, Path], tmp_path: Path) -> None:
    source, var_dir = seeded
    env = env_for(source, var_dir)
    assert "is a directory" in refused(env, "backup", str(tmp_path))
    blocker = tmp_path / "plain-file"
    blocker.write_text("in the way")
    assert "plain-file" in refused(env, "backup", str(blocker / "backup.zip"))
    previous = tmp_path / "kept.zip"
    previous.write_bytes(b"an older backup")
    ok(env, "backup", str(previous))
    assert manifest_of(previous)["application"] == "releasedesk"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
