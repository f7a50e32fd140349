"""The approval scheduler (issue 23, items 2-4) on an injected clock, on both databases: a
level under a policy reminds, escalates, warns and times out exactly as configured, once
each; N of M and self-approval where votes are counted and cast; an expired request; a
decision racing the timeout; two runners on one database; a runner that died after its
claim; and the wake-up when a new action is written in this process."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.approval_policies import scheduling
from releasedesk.core.approval_policies.views import from_snapshot
from releasedesk.core.approvals import decisions
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.errors import Invalid
from releasedesk.core.scheduler.runner import Runner
from releasedesk.core.users import service as users
from releasedesk.db.models import ApprovalLevel, ApprovalScheduledAction, AuditEvent
from releasedesk.db.session import Database
from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    decide,
    in_unit_of_work,
    level_of,
    outbox,
    sent,
)
from tests.api.sdp.support import history_of
from tests.api.v1.test_approval_policies import create
from tests.helpers import Desk, Person

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def own_queue(client: Any) -> Iterator[None]:
    """The queue is the database's, shared by every portal: each test here starts and ends
    with nothing undone, so what a runner claims (and counts) is the test's own."""

    async def close_all() -> None:
        async with client.app.state.database.unit_of_work() as session:
            await session.execute(
                update(ApprovalScheduledAction)
                .where(ApprovalScheduledAction.done_on.is_(None))
                .values(done_on=dt.datetime.now(dt.UTC), outcome="closed by the test")
            )

    client.portal.call(close_all)
    yield
    client.portal.call(close_all)


def policy(desk: Desk, **parts: Any) -> dict[str, Any]:
    made = create(desk, {"name": "CAB default", **parts})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def waiting_level(desk: Desk, approvers: list[Person], rule: str = "anyone") -> tuple[str, str]:
    """A release with a Submission level of `approvers`, its approvals sent: (release,
    level) ids."""
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=approvers, rule={"type": rule})
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    return rid, level["id"]


def level_row(desk: Desk, level_id: str) -> ApprovalLevel:
    async def read(session: AsyncSession) -> ApprovalLevel:
        return (
            await session.execute(select(ApprovalLevel).where(ApprovalLevel.id == int(level_id)))
        ).scalar_one()

    return in_unit_of_work(desk, read)


def actions(desk: Desk, level_id: str) -> list[ApprovalScheduledAction]:
    async def read(session: AsyncSession) -> list[ApprovalScheduledAction]:
        return list(await scheduling.actions_of_level(session, int(level_id)))

    return in_unit_of_work(desk, read)


def run_at(desk: Desk, runner: Runner, moment: dt.datetime) -> int:
    async def go() -> int:
        return await runner.run_due(moment)

    return desk.client.portal.call(go)


def descriptions(desk: Desk, rid: str) -> list[str]:
    return [h.get("description") or "" for h in history_of(desk, rid)]


def audit_kinds(desk: Desk) -> list[str]:
    async def read(session: AsyncSession) -> list[str]:
        statement = select(AuditEvent.kind).where(AuditEvent.portal_id == desk.portal_id)
        return list((await session.execute(statement)).scalars())

    return in_unit_of_work(desk, read)


def test_a_level_reminds_escalates_warns_and_times_out_once_each(desk: Desk) -> None:
    [boss] = add_people(desk, 1)
    made = policy(
        desk,
        reminder={"first_after": "PT1H", "every": "PT1H", "max": 2},
        escalate_after="PT3H",
        escalation_approvers=[{"name": boss.name}],
        timeout={"after": "PT5H", "action": "reject", "warn_before": "PT1H"},
    )
    rid, lid = waiting_level(desk, [desk.technician])
    level = level_row(desk, lid)
    start = level.waiting_since
    assert start is not None and level.deadline == start + 5 * HOUR
    assert level.policy_snapshot is not None and level.policy_snapshot["name"] == "CAB default"
    assert "portal's default" in level.policy_snapshot["why"]
    planned = sorted((a.kind, a.due_at - start) for a in actions(desk, lid))
    assert planned == [
        ("escalation", 3 * HOUR),
        ("reminder", HOUR),
        ("timeout", 5 * HOUR),
        ("timeout_warning", 4 * HOUR),
    ]
    # a policy changed while the level waits leaves the level on what it started with
    changed = desk.client.patch(
        f"/app/{desk.portal}/api/v1/approval_policies/{made['id']}",
        json={"timeout": {"after": "P9D", "action": "approve"}},
        headers={"Authorization": f"Bearer {desk.admin.key}"},
    )
    assert changed.status_code == 200, changed.text
    shown = desk.client.get(
        f"/app/{desk.portal}/api/v1/releases/{rid}/approval_policies",
        headers={"authtoken": desk.technician.key},
    )
    assert shown.status_code == 200, shown.text
    [kept] = shown.json()["levels"]
    assert kept["waiting"] is True and kept["changed_since"] == "changed"
    assert kept["policy"]["timeout"] == {"after": "PT5H", "action": "reject", "warn_before": "PT1H"}
    assert "portal's default" in kept["why"]
    assert kept["deadline"] == (start + 5 * HOUR).isoformat()
    assert kept["next_reminder"] == (start + HOUR).isoformat()
    assert sorted(a["kind"] for a in kept["scheduled"]) == [
        "escalation",
        "reminder",
        "timeout",
        "timeout_warning",
    ]

    runner = Runner(desk.database)
    mails_before = len(outbox(desk))
    assert run_at(desk, runner, start + HOUR - dt.timedelta(seconds=1)) == 0
    assert run_at(desk, runner, start + HOUR) == 1
    assert run_at(desk, runner, start + HOUR) == 0  # once
    reminder = outbox(desk)[-1]
    assert reminder.recipient.startswith("heather.graham") and reminder.approval_link_id
    assert "Reminder 1 of 2" in reminder.body and "${approval_link}" in reminder.body
    assert f'release {rid} "' in reminder.body and "Deadline:" in reminder.body
    assert run_at(desk, runner, start + 2 * HOUR) == 1  # the second reminder, the last
    assert "Reminder 2 of 2" in outbox(desk)[-1].body
    assert run_at(desk, runner, start + 3 * HOUR) == 1  # the escalation
    escalated = level_of(desk, rid, lid)
    assert sorted(a["approver"]["name"] for a in escalated["approvals"]) == sorted(
        [desk.technician.name, boss.name]
    )
    assert outbox(desk)[-1].recipient.startswith(boss.name.replace(" ", ".").lower())
    assert run_at(desk, runner, start + 4 * HOUR) == 1  # the warning, to both
    warnings = [m for m in outbox(desk) if "times out soon" in m.subject]
    assert len(warnings) == 2 and "it will then be rejected" in warnings[0].body
    assert run_at(desk, runner, start + 5 * HOUR) == 1  # the timeout, under the snapshot
    assert run_at(desk, runner, start + 500 * HOUR) == 0
    assert len(outbox(desk)) - mails_before == 2 + 1 + 2  # reminders, escalation, warnings

    timed_out = level_of(desk, rid, lid)
    assert timed_out["status"]["name"] == "Rejected"
    said = descriptions(desk, rid)
    assert any("timed out after 5 hours under policy CAB default: rejected" in d for d in said), (
        said
    )
    assert any("escalated after 3 hours under policy CAB default: added" in d for d in said)
    assert sum("Reminder" in d for d in said) == 2
    assert {"approval_escalated", "approval_timed_out"} <= set(audit_kinds(desk))
    # a vote after the level is decided is refused, saying so
    late = decide(desk, rid, lid, escalated["approvals"][0]["id"], "approve", desk.technician.key)
    assert late.status_code == 400 and "already rejected" in late.text
    assert all(a.done_on is not None and a.outcome for a in actions(desk, lid))


def test_a_decision_closes_what_was_due_and_a_late_action_does_nothing(desk: Desk) -> None:
    policy(desk, reminder={"first_after": "PT1H"}, timeout={"after": "PT2H", "action": "reject"})
    rid, lid = waiting_level(desk, [desk.technician])
    start = level_row(desk, lid).waiting_since
    assert start is not None
    approval = level_of(desk, rid, lid)["approvals"][0]["id"]
    assert decide(desk, rid, lid, approval, "approve", desk.technician.key).status_code == 200
    done = actions(desk, lid)
    assert all(a.done_on is not None and "was approved" in (a.outcome or "") for a in done)
    assert run_at(desk, Runner(desk.database), start + 3 * HOUR) == 0
    assert level_of(desk, rid, lid)["status"]["name"] == "Approved"


def test_the_sdp_approval_summary_shows_a_waiting_level_s_deadline_and_next_reminder(
    desk: Desk,
) -> None:
    policy(desk, reminder={"first_after": "PT1H"}, timeout={"after": "PT2H", "action": "reject"})
    rid, lid = waiting_level(desk, [desk.technician])
    start = level_row(desk, lid).waiting_since
    assert start is not None
    stages = desk.get(f"/releases/{rid}/approval_levels/approval_summary").json()
    [level] = [lv for st in stages["approval_summary"] for lv in st.get("approval_levels", [])]
    ms = lambda moment: str(int(moment.timestamp() * 1000))  # noqa: E731
    assert level["deadline"]["value"] == ms(start + 2 * HOUR)
    assert level["next_reminder"]["value"] == ms(start + HOUR)
    approval = level_of(desk, rid, lid)["approvals"][0]["id"]
    assert decide(desk, rid, lid, approval, "approve", desk.technician.key).status_code == 200
    stages = desk.get(f"/releases/{rid}/approval_levels/approval_summary").json()
    [level] = [lv for st in stages["approval_summary"] for lv in st.get("approval_levels", [])]
    assert "deadline" not in level and "next_reminder" not in level  # decided: SDP's shape


def test_a_decision_racing_the_timeout_one_wins_the_other_is_a_clear_no_op(desk: Desk) -> None:
    policy(desk, timeout={"after": "PT1H", "action": "reject"})
    rid, lid = waiting_level(desk, [desk.technician])
    start = level_row(desk, lid).waiting_since
    assert start is not None
    approval_id = int(level_of(desk, rid, lid)["approvals"][0]["id"])
    runner = Runner(desk.database)
    actor = Actor(
        desk.technician.id, desk.technician.name, desk.portal_id, desk.portal, Role.TECHNICIAN
    )

    async def decision() -> str:
        try:
            async with desk.database.unit_of_work() as session:
                await decisions.decide(
                    session, actor, int(rid), int(lid), approval_id, ApprovalStatus.APPROVED, "go"
                )
        except Invalid as refusal:
            return f"refused: {refusal.message}"
        return "approved"

    async def race() -> tuple[str, int]:
        decided, ran = await asyncio.gather(decision(), runner.run_due(start + 2 * HOUR))
        return decided, ran

    decided, _ran = desk.client.portal.call(race)
    status = level_of(desk, rid, lid)["status"]["name"]
    [timeout] = [a for a in actions(desk, lid) if a.kind == "timeout"]
    assert timeout.done_on is not None
    if decided == "approved":
        assert status == "Approved"
        assert "approved" in (timeout.outcome or "") and "timed out" not in (timeout.outcome or "")
    else:
        assert status == "Rejected"
        assert "already rejected" in decided and "timed out" in (timeout.outcome or "")


def test_n_of_m_and_self_approval_under_a_policy(desk: Desk) -> None:
    policy(desk, min_approvals=2, forbid_self_approval=True)
    first, second = add_people(desk, 2)
    rid, lid = waiting_level(desk, [desk.technician, first, second], rule="anyone")
    approvals = {a["approver"]["name"]: a["id"] for a in level_of(desk, rid, lid)["approvals"]}
    assert decide(desk, rid, lid, approvals[first.name], "approve", first.key).status_code == 200
    assert level_of(desk, rid, lid)["status"]["name"] == "Pending Approval"  # 1 of 2
    assert decide(desk, rid, lid, approvals[second.name], "approve", second.key).status_code == 200
    assert level_of(desk, rid, lid)["status"]["name"] == "Approved"

    # the requester as an approver where the policy forbids self-approval: refused when the
    # level is saved, naming the rule
    own = desk.create_release(key=desk.technician.key)["id"]
    refused = desk.post(
        f"/releases/{own}/approval_levels",
        input_data={
            "approval_level": {
                "name": "Self",
                "release_stage": {"name": "submission"},
                "rule": {"type": "anyone"},
                "approvals": [{"approver": {"id": str(desk.technician.id)}}],
            }
        },
    )
    assert refused.status_code == 400, refused.text
    assert "approval policy 'CAB default' forbids" in refused.text


def test_a_level_not_sent_yet_shows_the_policy_that_would_apply(desk: Desk) -> None:
    policy(desk, applies_to={"stage": "Submission"}, min_approvals=1)
    rid = desk.create_release()["id"]
    add_level(desk, rid, approvers=[desk.technician])
    shown = desk.client.get(
        f"/app/{desk.portal}/api/v1/releases/{rid}/approval_policies",
        headers={"authtoken": desk.admin.key},
    ).json()["levels"]
    assert [(lv["waiting"], lv["policy"]["name"], lv["scheduled"]) for lv in shown] == [
        (False, "CAB default", [])
    ]
    assert "stage 'Submission'" in shown[0]["why"]
    hidden = desk.client.get(
        f"/app/{desk.portal}/api/v1/releases/{rid}/approval_policies",
        headers={"authtoken": desk.other_requester.key},
    )
    assert hidden.status_code == 403  # not theirs to see


def test_n_of_m_rejects_once_n_can_no_longer_approve(desk: Desk) -> None:
    policy(desk, min_approvals=2)
    first, second = add_people(desk, 2)
    rid, lid = waiting_level(desk, [first, second], rule="anyone")
    approvals = {a["approver"]["name"]: a["id"] for a in level_of(desk, rid, lid)["approvals"]}
    assert decide(desk, rid, lid, approvals[first.name], "reject", first.key).status_code == 200
    assert level_of(desk, rid, lid)["status"]["name"] == "Rejected"


def test_an_expired_request_waits_to_be_sent_again(desk: Desk) -> None:
    policy(desk, timeout={"after": "PT1H", "action": "expire"})
    rid, lid = waiting_level(desk, [desk.technician])
    start = level_row(desk, lid).waiting_since
    assert start is not None
    assert run_at(desk, Runner(desk.database), start + HOUR) == 1
    level = level_of(desk, rid, lid)
    assert level["status"]["name"] == "Pending Approval"
    approval = level["approvals"][0]
    assert approval["status"]["name"] == "To Be Sent"
    late = decide(desk, rid, lid, approval["id"], "approve", desk.technician.key)
    assert late.status_code == 400 and "not been sent yet" in late.text
    assert any("expired" in d for d in descriptions(desk, rid))
    row = level_row(desk, lid)
    assert row.waiting_since is None and row.policy_snapshot is None
    sent(desk, rid, lid, approval["id"])  # sent again: a new waiting period under the policy
    again = level_row(desk, lid)
    assert again.waiting_since is not None and again.waiting_since > start
    assert len([a for a in actions(desk, lid) if a.done_on is None]) == 1


def test_durations_count_business_hours(desk: Desk) -> None:
    policy(
        desk,
        timeout={"after": "P3D", "action": "reject"},
        business_hours={"timezone": "Europe/Berlin", "start": "09:00", "end": "17:00"},
    )
    rid, lid = waiting_level(desk, [desk.technician])
    level = level_row(desk, lid)
    assert level.waiting_since is not None and level.policy_snapshot is not None
    hours = from_snapshot(level.policy_snapshot).business_hours
    assert hours is not None
    deadline = hours.add(level.waiting_since, 3 * 8 * 3600)
    assert level.deadline == deadline
    runner = Runner(desk.database)
    assert run_at(desk, runner, deadline - dt.timedelta(seconds=1)) == 0
    assert run_at(desk, runner, deadline) == 1
    said = descriptions(desk, rid)
    assert any(
        "timed out after 3 business days under policy CAB default: rejected" in d for d in said
    ), said


def test_two_runners_on_one_database_do_each_action_once(desk: Desk, database_url: str) -> None:
    policy(desk, reminder={"first_after": "PT1H"})
    levels = [waiting_level(desk, [desk.technician]) for _ in range(6)]
    latest = max(level_row(desk, lid).waiting_since for _, lid in levels)  # type: ignore[type-var]
    before = len(outbox(desk))

    async def race() -> list[int]:
        servers = [Database(database_url), Database(database_url)]
        try:
            runners = [Runner(db, batch=2, name=f"server-{i}") for i, db in enumerate(servers)]

            async def drain(runner: Runner) -> int:
                total = 0
                while claimed := await runner.run_due(latest + HOUR):
                    total += claimed
                return total

            return list(await asyncio.gather(*(drain(r) for r in runners)))
        finally:
            for db in servers:
                await db.dispose()

    counts = desk.client.portal.call(race)
    assert sum(counts) == 6
    assert len(outbox(desk)) - before == 6
    for _, lid in levels:
        [reminder] = actions(desk, lid)
        assert reminder.done_on is not None and reminder.claimed_by in ("server-0", "server-1")


def test_a_runner_that_died_after_its_claim_leaves_the_action_to_another(desk: Desk) -> None:
    policy(desk, reminder={"first_after": "PT1H"})
    _rid, lid = waiting_level(desk, [desk.technician])
    start = level_row(desk, lid).waiting_since
    assert start is not None
    due = start + HOUR
    lease = dt.timedelta(minutes=5)

    async def claim_and_die(session: AsyncSession) -> list[int]:
        return await scheduling.claim_due(session, due, "dead-runner", lease, 10)

    assert in_unit_of_work(desk, claim_and_die)  # claimed, then killed before doing it
    other = Runner(desk.database, lease=lease, name="survivor")
    assert run_at(desk, other, due) == 0  # still leased to the dead one
    before = len(outbox(desk))
    assert run_at(desk, other, due + lease) == 1
    assert len(outbox(desk)) - before == 1
    [reminder] = actions(desk, lid)
    assert reminder.claimed_by == "survivor" and reminder.done_on is not None

    async def late_finish(session: AsyncSession) -> str | None:
        from releasedesk.core.approvals import timed

        return await timed.run_action(session, reminder.id, "dead-runner", due)

    assert in_unit_of_work(desk, late_finish) is None  # the dead one's claim is gone
    assert len(outbox(desk)) - before == 1


def test_a_new_action_wakes_the_runner_of_this_process(desk: Desk) -> None:
    policy(desk, reminder={"first_after": "PT2S"})
    later = dt.datetime.now(dt.UTC) + HOUR  # the runner's clock: everything is due
    runner = Runner(desk.database, clock=lambda: later, idle_seconds=60)

    async def start() -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(runner.run())

    task = desk.client.portal.call(start)
    try:
        before = len(outbox(desk))
        _rid, lid = waiting_level(desk, [desk.technician])
        deadline = time.monotonic() + 10  # far below the runner's idle minute
        while not all(a.done_on for a in actions(desk, lid)) and time.monotonic() < deadline:
            desk.client.portal.call(asyncio.sleep, 0.05)
        assert all(a.done_on for a in actions(desk, lid)), "the runner was not woken"
        assert len(outbox(desk)) - before == 2  # the approval and its reminder
    finally:
        runner.stop()

        async def stopped() -> None:
            await task

        desk.client.portal.call(stopped)


def test_an_approver_deactivated_mid_flight_is_counted_out(desk: Desk) -> None:
    policy(desk, reminder={"first_after": "PT1H"})
    [leaver] = add_people(desk, 1)
    rid, lid = waiting_level(desk, [desk.technician, leaver], rule="everyone")
    start = level_row(desk, lid).waiting_since
    assert start is not None
    approvals = {a["approver"]["name"]: a["id"] for a in level_of(desk, rid, lid)["approvals"]}
    assert decide(desk, rid, lid, approvals[desk.technician.name], "approve").status_code == 200
    assert level_of(desk, rid, lid)["status"]["name"] == "Pending Approval"  # waits on the leaver

    async def deactivate(session: AsyncSession) -> None:
        await users.set_active(session, desk.portal_id, leaver.name, False)

    in_unit_of_work(desk, deactivate)
    assert run_at(desk, Runner(desk.database), start + HOUR) == 1
    mails = outbox(desk)
    assert not any(m.subject.startswith("Reminder") for m in mails)  # the one waited on left
    leaver_address = leaver.name.replace(" ", ".").lower()
    assert not any(m.recipient.startswith(leaver_address) for m in mails)  # withdrawn, unsent
    level = level_of(desk, rid, lid)
    assert level["status"]["name"] == "Approved"
    assert [a["approver"]["name"] for a in level["approvals"]] == [desk.technician.name]
    [reminder] = actions(desk, lid)
    assert f"without {leaver.name}, no longer active: approved" in (reminder.outcome or "")
    assert any("no longer active" in d for d in descriptions(desk, rid))


def test_a_timeout_inside_a_freeze_window_waits_for_its_end(desk: Desk) -> None:
    policy(desk, timeout={"after": "PT1H", "action": "reject"})
    rid, lid = waiting_level(desk, [desk.technician])
    start = level_row(desk, lid).waiting_since
    assert start is not None
    window_end = (start + 3 * HOUR).replace(microsecond=0)
    frozen = desk.client.post(
        f"/app/{desk.portal}/api/v1/freeze_windows",
        json={
            "name": "Quarter close",
            "reason": "Books close",
            "start": (start + HOUR / 2).replace(microsecond=0).isoformat(),
            "end": window_end.isoformat(),
            "effect": "block",
        },
        headers={"Authorization": f"Bearer {desk.admin.key}"},
    )
    assert frozen.status_code == 201, frozen.text
    runner = Runner(desk.database)
    assert run_at(desk, runner, start + HOUR) == 1
    [timeout] = actions(desk, lid)
    assert timeout.done_on is None and timeout.due_at == window_end
    assert level_row(desk, lid).deadline == window_end
    assert level_of(desk, rid, lid)["status"]["name"] == "Pending Approval"
    assert any("waits for the freeze window 'Quarter close'" in d for d in descriptions(desk, rid))
    assert run_at(desk, runner, start + 2 * HOUR) == 0
    assert run_at(desk, runner, window_end) == 1
    assert level_of(desk, rid, lid)["status"]["name"] == "Rejected"
