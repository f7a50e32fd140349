"""Concurrent writers queue for the database instead of failing (SQLite's write lock)."""

from __future__ import annotations

import asyncio
import json

import httpx

from tests.helpers import Desk


def test_concurrent_adds_and_updates_all_succeed(desk: Desk) -> None:
    target = desk.create_release(title="Contended")
    app = desk.client.app

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers={"authtoken": desk.admin.key}
        ) as client:
            adds = [
                client.post(
                    f"{desk.base}/releases",
                    data={
                        "input_data": json.dumps(
                            {"release": {"title": f"Parallel {n}", "priority": {"name": "High"}}}
                        )
                    },
                )
                for n in range(12)
            ]
            updates = [
                client.put(
                    f"{desk.base}/releases/{target['id']}",
                    data={"input_data": json.dumps({"release": {"title": f"Contended {n}"}})},
                )
                for n in range(6)
            ]
            responses = await asyncio.gather(*adds, *updates)
        return [r.status_code for r in responses]

    statuses = desk.client.portal.call(burst)
    assert statuses == [201] * 12 + [200] * 6
    total = desk.get("/releases", input_data={"list_info": {"get_total_count": True}}).json()
    assert total["list_info"]["total_count"] == 13
