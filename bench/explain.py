"""The query plans of the list scenarios, from the very statements the repository runs; and
of the schedule scenarios, from the statements their services send (caught on the way to
the driver, then explained with the same parameters)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.scenarios import contains_paths, deep_paths, filtered_paths, next_free_paths
from releasedesk.api.sdp.router import release_listing
from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases.listing import page_statement
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.schedule import service as schedule
from releasedesk.db.models import Portal, Release, User


def _list_info_of(path: str) -> dict[str, Any]:
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(path).query)
    return json.loads(query["input_data"][0]) if "input_data" in query else {}


async def _admin(session: AsyncSession) -> Actor:
    portal = (await session.execute(select(Portal).where(Portal.name == "itdesk"))).scalar_one()
    admin = (
        (
            await session.execute(
                select(User)
                .where(User.portal_id == portal.id, User.role == "admin")
                .order_by(User.id)
            )
        )
        .scalars()
        .first()
    )
    assert admin is not None
    return Actor(admin.id, admin.name, portal.id, portal.name, Role.ADMIN)


def _prefix(dialect: str) -> str:
    return "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "


async def plans(session: AsyncSession, main_count: int) -> dict[str, str]:
    actor = await _admin(session)
    cases = {
        "list_default": {},
        "list_contains": _list_info_of(contains_paths()[0]),
        "list_filtered": _list_info_of(filtered_paths()[3]),
        "list_deep": _list_info_of(deep_paths(main_count)[0]),
    }
    dialect = (await session.connection()).dialect
    out: dict[str, str] = {}
    for name, payload in cases.items():
        listing = release_listing(payload)
        statement = page_statement(actor, ReleaseFilter.ALL, listing.query)
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        rows = (await session.execute(text(_prefix(dialect.name) + sql))).all()
        lines = [str(r[-1]) for r in rows]
        out[name] = "\n".join(lines)
    return out


async def _caught(session: AsyncSession, call: Any) -> list[tuple[str, Any]]:
    """The statements (and parameters) `call` sends through the session's engine."""
    connection = await session.connection()
    sent: list[tuple[str, Any]] = []

    def catch(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("EXPLAIN"):
            sent.append((statement, parameters))

    engine = connection.sync_engine
    event.listen(engine, "before_cursor_execute", catch)
    try:
        await call()
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    return sent


async def schedule_plans(session: AsyncSession) -> dict[str, str]:
    """The plan of every statement one conflicts request and one next_free request send
    through the engine (the release's own read goes on the driver: GET by id's plan)."""
    from urllib.parse import parse_qs, urlparse

    actor = await _admin(session)
    middle = (
        (
            await session.execute(
                select(Release.id).where(Release.portal_id == actor.portal_id).order_by(Release.id)
            )
        )
        .scalars()
        .all()
    )
    release_id = middle[len(middle) // 2]
    query = parse_qs(urlparse(next_free_paths()[0]).query)

    async def conflicts() -> None:
        await schedule.conflicts(session, actor, release_id)

    async def next_free() -> None:
        await schedule.next_free(
            session,
            actor,
            duration=dt.timedelta(hours=4),
            services=query["services"][0].split(","),
            after=dt.datetime.fromisoformat(query["after"][0]),
            within=dt.timedelta(days=30),
        )

    dialect = (await session.connection()).dialect.name
    out: dict[str, str] = {}
    for name, call in (("conflicts", conflicts), ("next_free", next_free)):
        for n, (statement, parameters) in enumerate(await _caught(session, call), 1):
            connection = await session.connection()
            rows = (
                await connection.exec_driver_sql(_prefix(dialect) + statement, parameters)
            ).all()
            plan = "\n".join(str(r[-1]) for r in rows)
            out[f"{name} #{n}"] = f"{statement.strip()}\n\n{plan}"
    return out
