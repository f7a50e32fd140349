"""Policy events (issue 24, item 1 with issue 23's policies): the approval scheduler's
escalations and timeouts are announced as `approval.escalated` and `approval.timed_out`,
written in the action's transaction (an action that finds nothing to do announces nothing),
and delivered signed to a receiver on 127.0.0.1, the scheduler run on its injected clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from releasedesk.core.scheduler.runner import Runner
from releasedesk.db.models import WebhookEvent, WebhookSubscription
from tests.api.sdp.approvals_support import add_people, decide, in_unit_of_work
from tests.api.v1.test_approval_scheduler import (  # noqa: F401 (own_queue: autouse)
    level_row,
    own_queue,
    policy,
    run_at,
    waiting_level,
)
from tests.api.v1.test_webhooks import Clock, deliver, sender_for, subscribe, verified
from tests.helpers import Desk
from tests.webhook_receiver import Receiver, receiving

MINUTE = dt.timedelta(minutes=1)
POLICY_EVENTS = ["approval.requested", "approval.escalated", "approval.timed_out"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture
def hooks(client: TestClient, desk: Desk) -> Iterator[None]:
    """The test's subscriptions (and deliveries) leave with it: no later sender finds them."""
    yield

    async def clean() -> None:
        async with desk.database.unit_of_work() as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.portal_id == desk.portal_id)
            )

    assert client.portal is not None
    client.portal.call(clean)


def event_types(desk: Desk) -> list[str]:
    async def read(session: AsyncSession) -> list[str]:
        statement = (
            select(WebhookEvent.type)
            .where(WebhookEvent.portal_id == desk.portal_id)
            .order_by(WebhookEvent.id)
        )
        return list((await session.execute(statement)).scalars())

    return in_unit_of_work(desk, read)


def test_escalations_and_timeouts_are_announced_and_delivered_signed(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    [boss] = add_people(desk, 1)
    made = subscribe(desk, receiver.url, POLICY_EVENTS)
    policy(
        desk,
        escalate_after="PT1M",
        escalation_approvers=[{"name": boss.name}],
        timeout={"after": "PT2M", "action": "approve"},
    )
    rid, lid = waiting_level(desk, [desk.technician])
    decided_rid, decided_lid = waiting_level(desk, [desk.technician])
    first = level_row(desk, lid).waiting_since
    start = level_row(desk, decided_lid).waiting_since  # the later of the two
    assert first is not None and start is not None
    assert event_types(desk) == ["approval.requested", "approval.requested"]

    runner = Runner(desk.database)
    assert run_at(desk, runner, start + MINUTE) == 2  # both levels escalate
    decided = level_row(desk, decided_lid)
    boss_approval = next(a for a in decided.approvals if a.approver_id == boss.id)
    answer = decide(desk, decided_rid, decided_lid, str(boss_approval.id), "approve", boss.key)
    assert answer.status_code == 200, answer.text
    assert level_row(desk, decided_lid).status == "approved"
    assert run_at(desk, runner, start + 2 * MINUTE) == 1  # the decided level's does nothing
    assert event_types(desk) == [
        "approval.requested",
        "approval.requested",
        "approval.requested",  # the boss, sent by the escalation
        "approval.escalated",
        "approval.requested",
        "approval.escalated",
        "approval.timed_out",  # only the level still waiting
    ]

    clock = Clock()
    clock.now = start + 3 * MINUTE  # within the verifier's five minutes of the real time
    assert deliver(client, sender_for(client, clock)) == 7
    payloads = [verified(made["secret"], r) for r in receiver.received]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for payload in payloads:
        by_type.setdefault(payload["type"], []).append(payload["data"])

    escalated = next(d for d in by_type["approval.escalated"] if d["release"]["id"] == int(rid))
    assert escalated["by"] is None  # the system
    assert escalated["policy"]["name"] == "CAB default"
    assert escalated["escalation"] == {"after": "PT1M", "added": [boss.name], "not_added": []}
    level = escalated["approval_level"]
    assert level["id"] == int(lid) and level["level"] == 1 and level["status"] == "pending"
    assert level["stage"]["name"] and level["deadline"] and level["waiting_since"]
    requested_by_system = [d for d in by_type["approval.requested"] if d["by"] is None]
    assert len(requested_by_system) == 2  # the boss's approvals, sent by the escalations

    [timed_out] = by_type["approval.timed_out"]
    assert timed_out["release"]["id"] == int(rid) and timed_out["by"] is None
    assert timed_out["timeout"] == {"after": "PT2M", "action": "approve", "outcome": "approved"}
    assert timed_out["approval_level"]["status"] == "approved"
    assert timed_out["approval_level"]["id"] == int(lid)
    deadline = dt.datetime.fromisoformat(timed_out["approval_level"]["deadline"])
    assert deadline == first + 2 * MINUTE  # the wait that ran out
    assert timed_out["policy"]["name"] == "CAB default"
