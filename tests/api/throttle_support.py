"""An app with small throttling limits over the suite's database, and clients that come
from an address of their own (every counter of a test is its own)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from releasedesk.app import create_app
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditEntry, AuditKind
from releasedesk.core.throttle.service import Throttle
from releasedesk.db.models import ThrottleCounter
from releasedesk.db.session import Database
from releasedesk.settings import Settings, ThrottleSettings
from tests.helpers import Desk

USER_LIMIT = 3
ADDRESS_LIMIT = 5
WINDOW = 60.0
SMALL = ThrottleSettings(
    user_failures=USER_LIMIT, address_failures=ADDRESS_LIMIT, window_seconds=WINDOW
)


@contextmanager
def throttled_client(
    settings: Settings, throttle: ThrottleSettings = SMALL
) -> Iterator[TestClient]:
    """The whole app with these limits, its lifespan running, on the suite's database."""
    app = create_app(
        dataclasses.replace(settings, throttle=throttle), Database(settings.database_url)
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def new_address() -> str:
    number = uuid.uuid4().int
    return f"10.{number % 250}.{number // 250 % 250}.{number // 62500 % 250 + 1}"


def from_address(base: TestClient, address: str) -> TestClient:
    """A client of `base`'s app (on its event loop) whose requests come from `address`."""
    client = TestClient(
        base.app, raise_server_exceptions=False, client=(address, 50000), follow_redirects=False
    )
    client.portal = base.portal
    return client


def throttle_of(client: TestClient) -> Throttle:
    return client.app.state.throttle  # type: ignore[attr-defined,no-any-return]


def sdp_releases(desk: Desk) -> str:
    return f"/app/{desk.portal}/api/v3/releases"


def trail(desk: Desk, *kinds: AuditKind) -> list[AuditEntry]:
    async def load() -> list[AuditEntry]:
        async with desk.database.unit_of_work(writes=False) as session:
            return list(await audit.list_entries(session, portal_id=desk.portal_id))

    entries = desk.client.portal.call(load)
    return [entry for entry in entries if not kinds or entry.kind in kinds]


def counter(desk: Desk, bucket: str) -> int | None:
    """Hits stored for `bucket` in the database store (None: no row)."""

    async def load() -> Any:
        async with desk.database.unit_of_work(writes=False) as session:
            query = select(ThrottleCounter.hits).where(ThrottleCounter.bucket == bucket)
            return (await session.execute(query)).scalar_one_or_none()

    hits: int | None = desk.client.portal.call(load)
    return hits
