"""The app over a real database: a SQLite file, or a fresh PostgreSQL database per run.

Which database: `pytest --db sqlite` (the default), `pytest --db postgresql` (the server at
postgresql://postgres@127.0.0.1:5432/postgres) or `pytest --db postgresql://user@host:port/db`
(any PostgreSQL server). Without --db, RELEASEDESK_TEST_DATABASE (`sqlite` or a PostgreSQL
URL) chooses, and the run sets that variable to what was chosen, so anything reading it agrees.
On PostgreSQL the suite creates its own database on that server and drops it afterwards.
Every test gets a portal of its own (with the default reference data), so tests never see
each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

with warnings.catch_warnings():
    # Starlette suggests another HTTP client for TestClient; httpx is what we ship with.
    warnings.filterwarnings("ignore", message="Using `httpx` with")
    from starlette.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database
from releasedesk.settings import Settings, ThrottleSettings, WebhookSettings
from tests.helpers import Desk, make_desk

T = TypeVar("T")


ENVIRONMENT = "RELEASEDESK_TEST_DATABASE"
LOCAL_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKEND = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        metavar="sqlite|postgresql|URL",
        default=None,
        help=(
            "database to run the suite on: sqlite (default), postgresql (the server at "
            f"{LOCAL_POSTGRESQL}) or a postgresql:// URL of a server; the suite makes and "
            f"drops its own database there. Without --db, ${ENVIRONMENT} chooses."
        ),
    )


def resolve_backend(choice: str) -> str:
    """`sqlite`, or the URL of the PostgreSQL server to make the test database on."""
    choice = choice.strip()
    if choice.lower() == "sqlite":
        return "sqlite"
    if choice.lower() in ("postgresql", "postgres"):
        return LOCAL_POSTGRESQL
    try:
        backend = make_url(choice).get_backend_name()
    except ArgumentError:
        backend = None
    if backend != "postgresql":
        raise pytest.UsageError(
            f"--db {choice!r}: give sqlite, postgresql or a postgresql:// URL "
            f"(${ENVIRONMENT} takes the same values)"
        )
    return choice


def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("--db") or os.environ.get(ENVIRONMENT) or "sqlite"
    backend = resolve_backend(choice)
    config.stash[BACKEND] = backend
    os.environ[ENVIRONMENT] = backend
    config.addinivalue_line(
        "markers",
        "one_database: the test checks nothing a database decides (pure rules, the import "
        "walls, the vendored API docs page), so it runs in the SQLite pass only",
    )


def _runs_once(item: pytest.Item) -> bool:
    """Marked `one_database`, or driving Chromium: a browser test checks what a person sees
    and does on a page, whose reads and writes are the core's calls that the API, core and
    HTTP-level web tests check on both databases."""
    return item.get_closest_marker("one_database") is not None or "browser" in getattr(
        item, "fixturenames", ()
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the tests that run once (`_runs_once`): they ran on SQLite,
    and running them twice only lengthens `make test` (deselected, so no skip is counted)."""
    if config.stash[BACKEND] == "sqlite":
        return
    once = [item for item in items if _runs_once(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not _runs_once(item)]


def _described(backend: str) -> str:
    if backend == "sqlite":
        return "database: sqlite (a file per run)"
    shown = make_url(backend).render_as_string(hide_password=True)
    return f"database: postgresql (a database of its own, made and dropped on {shown})"


def pytest_report_header(config: pytest.Config) -> str:
    return _described(config.stash[BACKEND])


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say which database the run used beside its counts (-q hides the header)."""
    terminalreporter.write_line(_described(config.stash[BACKEND]))


async def _admin_execute(server_url: str, statement: str) -> None:
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def own_database(backend: str, directory: Path) -> Iterator[str]:
    """A migrated database of its own on `backend`: a SQLite file in `directory`, or a
    PostgreSQL database made on that server and dropped afterwards. Yields its URL."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'releasedesk.db'}"
        upgrade(url)
        yield url
        return
    name = f"releasedesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_admin_execute(backend, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        shown = make_url(backend).render_as_string(hide_password=True)
        pytest.exit(f"cannot make the test database on {shown}: {error}", returncode=4)
    url = make_url(backend).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin_execute(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with own_database(request.config.stash[BACKEND], tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir: Path = tmp_path_factory.mktemp("var")
    # Every test's requests come from one client address ("testclient", or 127.0.0.1 when
    # served), so the per-address limit of failed sign-ins is off here; the throttling
    # tests build apps with limits of their own (tests/api/test_sign_in_throttle.py).
    throttle = ThrottleSettings(address_failures=0)
    # Webhook tests receive on loopback, which no deployment allows unless it says so.
    webhooks = WebhookSettings(allowed_networks="127.0.0.0/8")
    return Settings(
        database_url=database_url,
        var_dir=var_dir,
        secret_key="test-secret",
        throttle=throttle,
        webhooks=webhooks,
    )


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, Database(settings.database_url))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.portal.call(_ensure_default_portal, app.state.database)
        yield test_client


async def _ensure_default_portal(database: Database) -> None:
    from releasedesk.core.portals.service import ensure_portal

    async with database.unit_of_work() as session:
        await ensure_portal(session, "itdesk")


@pytest.fixture
def run(client: TestClient) -> Callable[[Callable[..., Awaitable[T]]], T]:
    """Run an async function on the app's event loop (direct core and database access)."""

    def runner(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return client.portal.call(fn, *args)

    return runner


@pytest.fixture
def desk(client: TestClient) -> Desk:
    """A fresh portal with an admin, a technician and a requester, each with a key."""
    return make_desk(client)


@pytest.fixture
def default_desk(client: TestClient) -> Desk:
    """People with keys in the default portal `itdesk` (served at /api/v3 too)."""
    return make_desk(client, existing_portal="itdesk")


@pytest.fixture(scope="session")
def backend_name(request: pytest.FixtureRequest) -> str:
    return "sqlite" if request.config.stash[BACKEND] == "sqlite" else "postgresql"
