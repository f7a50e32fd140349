"""What the schedule scenarios (conflicts, next free slots) need on top of bench/seed.py's
releases: each release linked to one or two of its portal's services, and freeze windows.

The links go straight into the table, as the releases do. The windows are saved through
core/freezes' service as the CLI saves them (an operator trusted as the portal's
administrator): a window's stored bounds (`first_start`, `last_end`, what the index on
windows reads) come from expanding its rule, which only the service does; a hundred windows
take a second or two.

The mix, drawn from a fixed seed over the seeded releases' six years (2020 on): three in five
one-off (four hours to ten days), the rest recurring (weekends, month ends, the year's end,
nightly batches, patch days; some ending by UNTIL or COUNT, most never), in four zones; two
in three block, the rest warn; two in five apply to every release, two in five to one or two
services, one in five to a release type.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.seed import BASE_TIME, SIX_YEARS_MINUTES, _insert
from releasedesk.core.audit.views import AuditActor
from releasedesk.core.freezes import service as freezes
from releasedesk.db.models import ReleaseService, ReleaseType, Service

ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")
# (RRULE, wall-clock start time, duration): what portals freeze again and again.
RULES = (
    ("FREQ=WEEKLY;BYDAY=FR", dt.time(18), "PT62H"),  # the weekend
    ("FREQ=MONTHLY;BYMONTHDAY=-1", dt.time(0), "P1D"),  # month-end close
    ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", dt.time(0), "P14D"),  # the year's end
    ("FREQ=DAILY", dt.time(22), "PT4H"),  # the nightly batch
    ("FREQ=WEEKLY;BYDAY=MO,WE", dt.time(9), "PT2H"),  # release board meetings
    ("FREQ=MONTHLY;BYDAY=2TU", dt.time(10), "PT8H"),  # patch Tuesday
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", dt.time(0), "P3D"),  # quarter start
)
BENCH_OPERATOR = AuditActor(None, "bench:seed")


async def _names(session: AsyncSession, model: type, portal_id: int) -> list[str]:
    statement = select(model.name).where(model.portal_id == portal_id).order_by(model.id)  # type: ignore[attr-defined]
    return list((await session.execute(statement)).scalars())


async def link_services(
    session: AsyncSession, portal_id: int, release_ids: Sequence[int], rng: random.Random
) -> int:
    """Each release linked to one or two of the portal's services; how many links."""
    statement = select(Service.id).where(Service.portal_id == portal_id).order_by(Service.id)
    services = list((await session.execute(statement)).scalars())
    rows = [
        {"release_id": rid, "service_id": sid}
        for rid in release_ids
        for sid in rng.sample(services, rng.choice((1, 1, 2)))
    ]
    for start in range(0, len(rows), 10_000):
        await _insert(session, ReleaseService, rows[start : start + 10_000])
    return len(rows)


def window_spec(
    n: int, rng: random.Random, services: list[str], types: list[str]
) -> freezes.WindowSpec:
    """The n-th window of the mix (the module's docstring)."""
    effect = "block" if rng.random() < 2 / 3 else "warn"
    draw = rng.random()
    scope: dict[str, list[str]] = {}
    if draw >= 0.8:
        scope = {"release_types": [rng.choice(types)]}
    elif draw >= 0.4:
        scope = {"services": rng.sample(services, rng.choice((1, 2)))}
    zone = rng.choice(ZONES)
    common = {"name": f"Bench freeze {n}", "reason": f"bench window {n}", "timezone": zone}
    if rng.random() < 0.6:
        start = BASE_TIME + dt.timedelta(minutes=rng.randint(0, SIX_YEARS_MINUTES))
        start = start.replace(second=0, microsecond=0)
        end = start + dt.timedelta(hours=rng.randint(4, 240))
        return freezes.WindowSpec(**common, effect=effect, start=start, end=end, scope=scope)
    rule, at, duration = rng.choice(RULES)
    first_day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 365))
    ending = rng.random()
    if ending < 0.2:
        until = first_day + dt.timedelta(days=rng.randint(365, 4 * 365))
        rule += f";UNTIL={until:%Y%m%d}T235959"
    elif ending < 0.3:
        rule += f";COUNT={rng.randint(5, 50)}"
    return freezes.WindowSpec(
        **common,
        effect=effect,
        rrule=rule,
        dtstart=dt.datetime.combine(first_day, at),
        duration=duration,
        scope=scope,
    )


async def seed_schedule(
    session: AsyncSession, portal_id: int, release_ids: Sequence[int], windows: int
) -> dict[str, int]:
    """Services on `release_ids` and `windows` freeze windows in the portal; rows made."""
    rng = random.Random(22)
    made = {"release_services": await link_services(session, portal_id, release_ids, rng)}
    if windows:
        services = await _names(session, Service, portal_id)
        types = await _names(session, ReleaseType, portal_id)
        operator = freezes.Operator(portal_id, BENCH_OPERATOR)
        for n in range(windows):
            await freezes.create_window(session, operator, window_spec(n, rng, services, types))
        made["freeze_windows"] = windows
    return made
