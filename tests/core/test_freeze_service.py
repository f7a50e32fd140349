"""Freeze windows saved and asked (issue 22): who may save them, what a schedule or a move to
deployment meets, the next allowed time, exceptions granted and expired, and the releases a
later window affects. Over the real database, both kinds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Forbidden, Frozen, Invalid, NotUnique
from releasedesk.core.freezes import repository
from releasedesk.core.freezes import service as freezes
from releasedesk.core.freezes.service import WindowSpec
from releasedesk.core.freezes.views import Effect, ReleaseFacts
from releasedesk.db.models import AuditEvent, FreezeOverride
from tests.core.test_calendar import actor, ms
from tests.helpers import Desk

T = TypeVar("T")
BASE = dt.datetime(2031, 12, 20, tzinfo=dt.UTC)  # a Saturday, far from anything else


def at(days: float) -> dt.datetime:
    return BASE + dt.timedelta(days=days)


def run(desk: Desk, work: Callable[[AsyncSession], Awaitable[T]], writes: bool = True) -> T:
    async def go() -> T:
        async with desk.database.unit_of_work(writes=writes) as session:
            return await work(session)

    result: T = desk.client.portal.call(go)
    return result


def year_end(**changes: Any) -> WindowSpec:
    values: dict[str, Any] = {
        "name": "Year-end freeze",
        "reason": "Finance closes the books",
        "timezone": "Europe/Berlin",
        "start": at(2),
        "end": at(14),
    }
    return WindowSpec(**{**values, **changes})


def create(desk: Desk, spec: WindowSpec, who: Any = None) -> Any:
    return run(desk, lambda s: freezes.create_window(s, actor(desk, who), spec))


def facts(start: dt.datetime, end: dt.datetime, **more: Any) -> ReleaseFacts:
    values: dict[str, Any] = {
        "release_id": None,
        "requester_id": None,
        "scheduled_start": start,
        "scheduled_end": end,
        "service_ids": frozenset(),
        "release_type_id": None,
        "team_id": None,
    }
    return ReleaseFacts(**{**values, **more})


def check(desk: Desk, asked: ReleaseFacts, now: dt.datetime = BASE) -> list[Any]:
    return run(desk, lambda s: freezes.check_schedule(s, desk.portal_id, asked, now), writes=False)


def test_only_admins_save_windows_and_names_are_unique(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        create(desk, year_end(), desk.technician)
    window = create(desk, year_end())
    assert window.name == "Year-end freeze" and window.effect is Effect.BLOCK
    with pytest.raises(NotUnique) as taken:
        create(desk, year_end(name="YEAR-END FREEZE"))
    assert taken.value.field == "name"


def test_a_schedule_into_a_blocking_window_is_refused_with_the_next_allowed_time(
    desk: Desk,
) -> None:
    create(desk, year_end())
    assert check(desk, facts(at(0), at(1))) == []  # before it: fine
    with pytest.raises(Frozen) as refused:
        check(desk, facts(at(1), at(3)))  # reaches into it
    assert refused.value.window == "Year-end freeze"
    assert refused.value.next_allowed_at == at(14)  # its end: the first time 2 days fit
    assert refused.value.field == "scheduled_start_time"
    assert "next allowed at" in refused.value.message
    assert check(desk, facts(at(14), at(15))) == []  # half-open: ending at its end is fine


def test_a_weekly_window_and_a_warning_window(desk: Desk) -> None:
    create(
        desk,
        year_end(
            name="Weekends",
            start=None,
            end=None,
            rrule="FREQ=WEEKLY;BYDAY=SA",
            dtstart=dt.datetime(2031, 1, 4, 0, 0),
            duration="PT48H",
            timezone="UTC",
        ),
    )
    create(desk, year_end(name="Audit week", effect="warn", start=at(30), end=at(37)))
    with pytest.raises(Frozen) as refused:
        check(desk, facts(at(0.5), at(1)))  # Saturday noon
    assert refused.value.next_allowed_at == at(2)  # Monday 00:00
    warned = check(desk, facts(at(31), at(32)))  # a Monday in the audit week
    assert [m.window.name for m in warned] == ["Audit week"]


def test_scope_by_service(desk: Desk) -> None:
    service_id = run(desk, _service_id(desk, "Email"), writes=False)
    create(desk, year_end(scope={"services": ["email"]}))
    assert check(desk, facts(at(3), at(4))) == []  # touches no service: outside the scope
    with pytest.raises(Frozen):
        check(desk, facts(at(3), at(4), service_ids=frozenset({service_id})))
    with pytest.raises(Invalid) as unknown:
        create(desk, year_end(name="Other", scope={"services": ["No such service"]}))
    assert unknown.value.field == "scope.services"


def _service_id(desk: Desk, name: str) -> Callable[[AsyncSession], Awaitable[int]]:
    async def read(session: AsyncSession) -> int:
        found = await repository.ids_named(session, desk.portal_id, "services", [name])
        return found[name.lower()][0]

    return read


def test_an_exception_lets_one_release_through_until_it_expires(desk: Desk) -> None:
    window = create(desk, year_end())
    rid = int(
        desk.create_release(
            key=desk.requester.key,
            title="Year-end patch",
            scheduled_start_time=ms(at(-3)),
            scheduled_end_time=ms(at(-2)),
        )["id"]
    )
    asked = facts(at(3), at(4), release_id=rid, requester_id=desk.requester.id)
    with pytest.raises(Frozen):
        check(desk, asked)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    with pytest.raises(Forbidden):  # a technician is no admin
        run(
            desk,
            lambda s: freezes.grant_override(
                s, actor(desk, desk.technician), window.id, rid, "Tax law", expires
            ),
        )
    granted = run(
        desk, lambda s: freezes.grant_override(s, actor(desk), window.id, rid, "Tax law", expires)
    )
    assert granted.window_name == "Year-end freeze" and granted.granted_by == desk.admin.name
    assert check(desk, asked, dt.datetime.now(dt.UTC)) == []  # excused
    with pytest.raises(NotUnique) as live:  # a live one is revoked first, never doubled
        run(
            desk, lambda s: freezes.grant_override(s, actor(desk), window.id, rid, "Again", expires)
        )
    assert live.value.field == "release_id"

    async def expire(session: AsyncSession) -> None:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        await session.execute(update(FreezeOverride).values(expires_on=past))

    run(desk, expire)
    with pytest.raises(Frozen):
        check(desk, asked, dt.datetime.now(dt.UTC))
    renewed = run(  # an expired one is renewed by a new grant, which replaces it
        desk, lambda s: freezes.grant_override(s, actor(desk), window.id, rid, "Again", expires)
    )
    assert check(desk, asked, dt.datetime.now(dt.UTC)) == []
    held = run(desk, lambda s: freezes.overrides_of_window(s, actor(desk), window.id), False)
    assert [(o.id, o.reason) for o in held] == [(renewed.id, "Again")]
    with pytest.raises(Forbidden):
        run(
            desk,
            lambda s: freezes.revoke_override(
                s, actor(desk, desk.technician), window.id, renewed.id
            ),
        )
    run(desk, lambda s: freezes.revoke_override(s, actor(desk), window.id, renewed.id))
    with pytest.raises(Frozen):
        check(desk, asked, dt.datetime.now(dt.UTC))
    assert desk.count(AuditEvent, kind="freeze_override_revoked") == 1


def test_a_release_in_year_9999_is_checked_against_an_open_ended_rule(desk: Desk) -> None:
    create(
        desk,
        year_end(
            start=None,
            end=None,
            rrule="FREQ=WEEKLY;BYDAY=SA",
            dtstart=dt.datetime(2031, 12, 20),
            duration="P2D",
        ),
    )
    far = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    asked = facts(far, far + dt.timedelta(hours=23, minutes=59))  # a Friday: nothing met
    assert check(desk, asked) == []


def test_a_far_until_is_open_ended_and_a_rule_that_never_happens_refused(desk: Desk) -> None:
    hourly = year_end(
        start=None,
        end=None,
        rrule="FREQ=HOURLY;INTERVAL=5;UNTIL=29991231T000000",
        dtstart=dt.datetime(2031, 12, 20),
        duration="PT1H",
    )
    assert create(desk, hourly).name == "Year-end freeze"  # not 20 s of walking
    for never in ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31", "FREQ=DAILY;COUNT=0"):
        with pytest.raises(Invalid) as refused:
            create(desk, replace(hourly, name=never, rrule=never))
        assert refused.value.field == "rrule"
    with pytest.raises(Invalid) as long_name:
        create(desk, year_end(name="x" * 201))
    assert long_name.value.field == "name"


def test_the_requester_never_grants_their_own_release_an_exception(desk: Desk) -> None:
    window = create(desk, year_end())
    rid = int(
        desk.create_release(
            title="Admin's own", scheduled_start_time=ms(at(-3)), scheduled_end_time=ms(at(-2))
        )["id"]
    )
    requester = run(desk, lambda s: freezes.facts_of(s, [rid]), writes=False)[rid].requester_id
    assert requester == desk.admin.id
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(Forbidden):
        run(desk, lambda s: freezes.grant_override(s, actor(desk), window.id, rid, "Mine", expires))


def test_releases_scheduled_before_a_window_are_its_affected(desk: Desk) -> None:
    inside = int(
        desk.create_release(
            title="Inside", scheduled_start_time=ms(at(4)), scheduled_end_time=ms(at(5))
        )["id"]
    )
    desk.create_release(
        title="Outside", scheduled_start_time=ms(at(20)), scheduled_end_time=ms(at(21))
    )
    window = create(desk, year_end())
    found = run(desk, lambda s: freezes.affected(s, actor(desk), window.id), writes=False)
    assert [(a.release_id, a.title, a.overridden) for a in found] == [(inside, "Inside", False)]


def test_windows_are_changed_and_deleted_by_admins(desk: Desk) -> None:
    window = create(desk, year_end())
    changed = run(
        desk, lambda s: freezes.update_window(s, actor(desk), window.id, year_end(end=at(5)))
    )
    assert changed.timing.shape.end == at(5)
    assert check(desk, facts(at(6), at(7))) == []
    with pytest.raises(Forbidden):
        run(desk, lambda s: freezes.delete_window(s, actor(desk, desk.technician), window.id))
    run(desk, lambda s: freezes.delete_window(s, actor(desk), window.id))
    assert run(desk, lambda s: freezes.list_windows(s, actor(desk)), writes=False) == []
