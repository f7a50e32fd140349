"""The query plans of the list scenarios, from the very statements the repository runs."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.scenarios import contains_paths, deep_paths, filtered_paths
from releasedesk.api.sdp.router import release_listing
from releasedesk.core.actors import Actor, Role
from releasedesk.core.releases.listing import page_statement
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.db.models import Portal, User


def _list_info_of(path: str) -> dict[str, Any]:
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(path).query)
    return json.loads(query["input_data"][0]) if "input_data" in query else {}


async def plans(session: AsyncSession, main_count: int) -> dict[str, str]:
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
    actor = Actor(admin.id, admin.name, portal.id, portal.name, Role.ADMIN)
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
        prefix = (
            "EXPLAIN (ANALYZE, BUFFERS) " if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        )
        rows = (await session.execute(text(prefix + sql))).all()
        lines = [str(r[-1]) for r in rows]
        out[name] = "\n".join(lines)
    return out
