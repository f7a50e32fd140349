"""Bulk-seed releases straight into the tables (not through the API): fast and repeatable."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.portals import service as portals
from releasedesk.db.models import Priority, Release, ReleaseStage, ReleaseStatus, ReleaseTemplate

WORDS = ("mssql", "exchange", "payroll", "vpn", "portal", "billing", "crm", "oracle", "sap",
         "intranet", "patch", "upgrade", "hotfix", "migration", "rollout", "certificate",
         "kernel", "firmware", "database", "network", "storage", "backup", "monitoring", "api")


async def seed_releases(session: AsyncSession, portal_name: str, count: int,
                        batch: int = 5000) -> float:
    """Insert `count` releases spread over stages, statuses, priorities and dates; seconds."""
    started = time.perf_counter()
    portal = await portals.ensure_portal(session, portal_name)
    template_id = (await session.execute(select(ReleaseTemplate.id).where(
        ReleaseTemplate.portal_id == portal.id))).scalars().first()
    statuses = (await session.execute(
        select(ReleaseStatus.id, ReleaseStatus.stage_id).join(ReleaseStage).where(
            ReleaseStage.portal_id == portal.id))).all()
    priorities = list((await session.execute(select(Priority.id).where(
        Priority.portal_id == portal.id))).scalars())
    rng = random.Random(42)  # noqa: S311 (repeatable data, not secrets)
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for offset in range(0, count, batch):
        rows = []
        for _ in range(min(batch, count - offset)):
            status_id, stage_id = rng.choice(statuses)
            created = base + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 6))
            title = " ".join(rng.sample(WORDS, 3)) + f" {rng.randint(1, 9999)}"
            rows.append({
                "portal_id": portal.id, "uuid": uuid.UUID(int=rng.getrandbits(128)),
                "version": 1, "title": title, "short_description": title,
                "description": f"<p>{title}</p>", "template_id": template_id,
                "stage_id": stage_id, "status_id": status_id,
                "priority_id": rng.choice(priorities), "emergency": False,
                "notes_present": False, "created_time": created,
            })
        await session.execute(insert(Release), rows)
    return time.perf_counter() - started
