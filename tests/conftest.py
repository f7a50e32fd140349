"""The app over a real database: a SQLite file, or a fresh PostgreSQL database per run.

RELEASEDESK_TEST_DATABASE is `sqlite` (default) or the URL of a PostgreSQL server; the suite
creates its own database there and drops it afterwards. Every test gets a portal of its own
(with the default reference data), so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

with warnings.catch_warnings():
    # Starlette suggests another HTTP client for TestClient; httpx is what we ship with.
    warnings.filterwarnings("ignore", message="Using `httpx` with")
    from starlette.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.db.migrate import upgrade
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from tests.helpers import Desk, make_desk

T = TypeVar("T")


def _backend() -> str:
    return os.environ.get("RELEASEDESK_TEST_DATABASE", "sqlite")


async def _admin_execute(server_url: str, statement: str) -> None:
    import asyncpg

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


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    backend = _backend()
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "releasedesk.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"releasedesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin_execute(backend, f'CREATE DATABASE "{name}"'))
    url = make_url(backend).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin_execute(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir: Path = tmp_path_factory.mktemp("var")
    return Settings(database_url=database_url, var_dir=var_dir, secret_key="test-secret")


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
def backend_name() -> str:
    return "sqlite" if _backend() == "sqlite" else "postgresql"
