"""Bulk-seed a realistic portal straight into the tables (not through the API).

Releases spread over two portals, the nine stages and their statuses, priorities, types,
categories, groups, engineers and six years of dates; titles and descriptions from a word
list, so a `contains` search on a word hits some rows but not most. Each release gets what
the API would give it (requester and engineer roles, six descriptive fields, an `add`
history row and a status comment), and a share of them tasks, worklogs, approval levels and
approvals. PostgreSQL rows go in with COPY, SQLite rows with executemany.

For the schedule scenarios (bench/schedule_seed.py), `freezes=` also links each release to one
or two of its portal's services and saves that many freeze windows in the main portal.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.portals import service as portals
from releasedesk.core.releases.fields import DESCRIPTIVE_KINDS
from releasedesk.core.releases.history import FieldChange, Operation, encode_changes
from releasedesk.core.users import service as users
from releasedesk.db.models import (
    Approval,
    ApprovalLevel,
    Category,
    Priority,
    Release,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseRole,
    ReleaseRoleAssignment,
    ReleaseStage,
    ReleaseStatus,
    ReleaseStatusComment,
    ReleaseTask,
    ReleaseTemplate,
    ReleaseType,
    ReleaseWorklog,
    SupportGroup,
    User,
)

# 48 words: a random word is in about 6 % of the titles (3 words each).
WORDS = (
    "mssql",
    "exchange",
    "payroll",
    "vpn",
    "portal",
    "billing",
    "crm",
    "oracle",
    "sap",
    "intranet",
    "patch",
    "upgrade",
    "hotfix",
    "migration",
    "rollout",
    "certificate",
    "kernel",
    "firmware",
    "database",
    "network",
    "storage",
    "backup",
    "monitoring",
    "api",
    "gateway",
    "ledger",
    "invoice",
    "warehouse",
    "mobile",
    "scanner",
    "printer",
    "desktop",
    "laptop",
    "router",
    "switch",
    "firewall",
    "proxy",
    "mailbox",
    "calendar",
    "wiki",
    "search",
    "reporting",
    "analytics",
    "identity",
    "directory",
    "cluster",
    "queue",
    "scheduler",
)
CHUNK = 10_000
BASE_TIME = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
SIX_YEARS_MINUTES = 60 * 24 * 365 * 6


@dataclass
class PortalData:
    portal_id: int
    template_id: int
    statuses: list[tuple[int, int]]  # (status id, stage id)
    priorities: list[int]
    types: list[int]
    categories: list[int]
    groups: list[int]
    requester_role: int
    engineer_role: int
    engineers: list[int]
    requesters: list[int]
    admin_id: int
    first_stage: int = 0


@dataclass
class SeedResult:
    seconds: float
    releases: int
    rows: dict[str, int] = field(default_factory=dict)
    first_id: int = 0
    last_id: int = 0
    history_release_id: int = 0
    admin_key: str = ""


async def _ids(session: AsyncSession, model: Any, portal_id: int) -> list[int]:
    result = await session.execute(
        select(model.id).where(model.portal_id == portal_id).order_by(model.id)
    )
    return list(result.scalars())


async def _portal_data(session: AsyncSession, name: str, people: int) -> PortalData:
    portal = await portals.ensure_portal(session, name)
    pid = portal.id
    statuses = [
        (s, st)
        for s, st in (
            await session.execute(
                select(ReleaseStatus.id, ReleaseStatus.stage_id)
                .join(ReleaseStage)
                .where(ReleaseStage.portal_id == pid)
                .order_by(ReleaseStatus.id)
            )
        ).all()
    ]
    roles = {
        r.internal_name: r.id
        for r in (
            await session.execute(select(ReleaseRole).where(ReleaseRole.portal_id == pid))
        ).scalars()
    }
    existing = await _ids(session, User, pid)
    if len(existing) < people:
        rows = [
            {
                "portal_id": pid,
                "name": f"{kind} {n}",
                "role": kind,
                "is_vipuser": False,
                "is_active": True,
                "email_id": f"{kind}{n}@{name}.example.com",
                "created_time": BASE_TIME,
            }
            for kind, count in (("technician", people // 3), ("requester", people))
            for n in range(count)
        ]
        await session.execute(insert(User), rows)
    staff = list(
        (
            await session.execute(
                select(User.id)
                .where(User.portal_id == pid, User.role == "technician")
                .order_by(User.id)
            )
        ).scalars()
    )
    requesters = list(
        (
            await session.execute(
                select(User.id)
                .where(User.portal_id == pid, User.role == "requester")
                .order_by(User.id)
            )
        ).scalars()
    )
    admin_id = (
        (
            await session.execute(
                select(User.id).where(User.portal_id == pid, User.role == "admin").order_by(User.id)
            )
        )
        .scalars()
        .first()
    )
    template_id = (await _ids(session, ReleaseTemplate, pid))[0]
    return PortalData(
        portal_id=pid,
        template_id=template_id,
        statuses=statuses,
        priorities=await _ids(session, Priority, pid),
        types=await _ids(session, ReleaseType, pid),
        categories=await _ids(session, Category, pid),
        groups=await _ids(session, SupportGroup, pid),
        requester_role=roles["release_requester"],
        engineer_role=roles["release_engineer"],
        engineers=staff,
        requesters=requesters,
        admin_id=admin_id or staff[0],
        first_stage=statuses[0][1],
    )


async def _next_id(session: AsyncSession, model: Any) -> int:
    return (
        int((await session.execute(select(func.coalesce(func.max(model.id), 0)))).scalar_one()) + 1
    )


async def _insert(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    table: Table = model.__table__
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        columns = list(rows[0])
        records = [tuple(_pg_value(row[c]) for c in columns) for row in rows]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=columns
        )
    else:
        await session.execute(insert(table), rows)


def _pg_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        import json

        return json.dumps(value)
    return value


class Counter:
    def __init__(self, start: int) -> None:
        self.value = start

    def take(self) -> int:
        self.value += 1
        return self.value - 1


async def seed(
    session: AsyncSession, total: int, *, history_entries: int = 50, freezes: int = 0
) -> SeedResult:
    """Seed `total` releases (90 % in `itdesk`, 10 % in `bench-other`); with `freezes`, also
    services on every release and that many freeze windows (bench/schedule_seed.py)."""
    started = time.perf_counter()
    rng = random.Random(42)
    main = await _portal_data(session, "itdesk", people=60)
    other = await _portal_data(session, "bench-other", people=15)
    counters = {
        m: Counter(await _next_id(session, m))
        for m in (
            Release,
            ReleaseRoleAssignment,
            ReleaseDescriptiveField,
            ReleaseHistory,
            ReleaseStatusComment,
            ReleaseTask,
            ReleaseWorklog,
            ApprovalLevel,
            Approval,
        )
    }
    result = SeedResult(seconds=0, releases=total, first_id=counters[Release].value)
    main_count = total - total // 10
    for offset in range(0, total, CHUNK):
        size = min(CHUNK, total - offset)
        batches: dict[Any, list[dict[str, Any]]] = {m: [] for m in counters}
        for n in range(offset, offset + size):
            data = main if n < main_count else other
            _one_release(rng, data, counters, batches)
        for model, rows in batches.items():
            await _insert(session, model, rows)
            result.rows[model.__tablename__] = result.rows.get(model.__tablename__, 0) + len(rows)
    result.last_id = counters[Release].value - 1
    result.history_release_id = result.first_id
    await _long_history(session, main, result.first_id, history_entries, counters)
    if freezes:
        from bench.schedule_seed import seed_schedule

        split = result.first_id + main_count
        for data, ids, windows in (
            (main, range(result.first_id, split), freezes),
            (other, range(split, result.last_id + 1), 0),
        ):
            for table, count in (
                await seed_schedule(session, data.portal_id, ids, windows)
            ).items():
                result.rows[table] = result.rows.get(table, 0) + count
    await _fix_sequences(session)
    admin = await users.repository.get(session, main.portal_id, main.admin_id)
    assert admin is not None
    result.admin_key = await users.create_api_key(session, user=admin, name="bench")
    result.seconds = time.perf_counter() - started
    return result


def _one_release(
    rng: random.Random,
    data: PortalData,
    counters: dict[Any, Counter],
    batches: dict[Any, list[dict[str, Any]]],
) -> None:
    rid = counters[Release].take()
    status_id, stage_id = rng.choice(data.statuses)
    created = BASE_TIME + dt.timedelta(minutes=rng.randint(0, SIX_YEARS_MINUTES))
    title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {rng.randint(1, 9999)}"
    description = f"<p>{title}: {' '.join(rng.sample(WORDS, 8))}.</p>"
    start = created + dt.timedelta(days=rng.randint(1, 60))
    engineer = rng.choice(data.engineers)
    batches[Release].append(
        {
            "id": rid,
            "portal_id": data.portal_id,
            "uuid": uuid.UUID(int=rng.getrandbits(128)),
            "version": 1,
            "title": title,
            "description": description,
            "short_description": description[3:-4],
            "template_id": data.template_id,
            "stage_id": stage_id,
            "status_id": status_id,
            "priority_id": rng.choice(data.priorities),
            "release_type_id": rng.choice(data.types),
            "category_id": rng.choice(data.categories),
            "group_id": rng.choice(data.groups),
            "emergency": rng.random() < 0.03,
            "notes_present": False,
            "created_time": created,
            "scheduled_start_time": start,
            "scheduled_end_time": start + dt.timedelta(hours=rng.randint(1, 72)),
            "created_by_id": engineer,
        }
    )
    for role, user in (
        (data.requester_role, rng.choice(data.requesters)),
        (data.engineer_role, engineer),
    ):
        batches[ReleaseRoleAssignment].append(
            {
                "id": counters[ReleaseRoleAssignment].take(),
                "release_id": rid,
                "role_id": role,
                "user_id": user,
            }
        )
    for kind in DESCRIPTIVE_KINDS:
        batches[ReleaseDescriptiveField].append(
            {
                "id": counters[ReleaseDescriptiveField].take(),
                "release_id": rid,
                "kind": kind,
                "description": None,
            }
        )
    batches[ReleaseHistory].append(
        {
            "id": counters[ReleaseHistory].take(),
            "release_id": rid,
            "operation": Operation.CREATED.value,
            "actor_id": engineer,
            "time": created,
            "description": "Release created",
            "diff": [],
        }
    )
    batches[ReleaseStatusComment].append(
        {
            "id": counters[ReleaseStatusComment].take(),
            "release_id": rid,
            "stage_id": stage_id,
            "status_id": status_id,
            "comment": "The above Stage/Status is set as part of 'Release' creation",
            "commented_by_id": engineer,
            "commented_on": created,
        }
    )
    if rng.random() < 0.2:
        for n in range(2):
            batches[ReleaseTask].append(
                {
                    "id": counters[ReleaseTask].take(),
                    "release_id": rid,
                    "title": f"Step {n + 1}",
                    "status": rng.choice(("Open", "Closed")),
                    "owner_id": engineer,
                    "created_by_id": engineer,
                    "created_time": created,
                }
            )
    if rng.random() < 0.1:
        batches[ReleaseWorklog].append(
            {
                "id": counters[ReleaseWorklog].take(),
                "release_id": rid,
                "owner_id": engineer,
                "description": "Work done",
                "time_spent_minutes": rng.randint(15, 480),
                "created_by_id": engineer,
                "created_time": created,
            }
        )
    if rng.random() < 0.1:
        level_id = counters[ApprovalLevel].take()
        batches[ApprovalLevel].append(
            {
                "id": level_id,
                "release_id": rid,
                "stage_id": stage_id,
                "level": 1,
                "name": "Default",
                "rule_type": "anyone",
                "status": "pending",
                "is_current": True,
                "created_by_id": engineer,
                "created_on": created,
            }
        )
        for approver in rng.sample(data.engineers, 2):
            batches[Approval].append(
                {
                    "id": counters[Approval].take(),
                    "level_id": level_id,
                    "approver_id": approver,
                    "status": "pending",
                }
            )


async def _long_history(
    session: AsyncSession,
    data: PortalData,
    release_id: int,
    entries: int,
    counters: dict[Any, Counter],
) -> None:
    rows = [
        {
            "id": counters[ReleaseHistory].take(),
            "release_id": release_id,
            "operation": Operation.UPDATED.value,
            "actor_id": data.admin_id,
            "time": BASE_TIME + dt.timedelta(hours=n + 1),
            "description": None,
            "diff": encode_changes([FieldChange("title", f"Title {n}", f"Title {n + 1}")]),
        }
        for n in range(entries - 1)
    ]
    await _insert(session, ReleaseHistory, rows)


async def _fix_sequences(session: AsyncSession) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the rows."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return
    for model in (
        Release,
        ReleaseRoleAssignment,
        ReleaseDescriptiveField,
        ReleaseHistory,
        ReleaseStatusComment,
        ReleaseTask,
        ReleaseWorklog,
        ApprovalLevel,
        Approval,
        User,
    ):
        name = model.__tablename__
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
            )
        )
    await session.execute(text("ANALYZE"))


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
