"""Outgoing webhooks (issue 24, items 1 to 4): /api/v1/webhooks kept by administrators, each
release event written in the change's transaction and posted once to a real receiver on
127.0.0.1, signed so that the `standardwebhooks` verifier accepts it; retries on the
schedule, Retry-After, 410 and days of failure with an injected clock; private addresses
refused; two senders on one database delivering each event once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete
from standardwebhooks.webhooks import Webhook
from starlette.testclient import TestClient

from releasedesk.core.actors import Actor, Role
from releasedesk.core.errors import Invalid
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.core.webhooks.sender import WebhookSender
from releasedesk.db.models import (
    OutboxMail,
    WebhookEvent,
    WebhookSubscription,
)
from releasedesk.db.session import Database
from releasedesk.settings import Settings
from tests.api.v1.test_freeze_windows import assert_problem, bearer, create, one_off, v1
from tests.helpers import Desk, make_desk
from tests.webhook_receiver import Answer, Receiver, receiving

ALL_RELEASE_EVENTS = [
    "release.created",
    "release.updated",
    "release.stage_changed",
    "release.closed",
    "release.trashed",
    "release.restored",
    "release.deleted",
]


class Clock:
    """The sender's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture
def hooks(client: TestClient, desk: Desk) -> Iterator[None]:
    """Each test's subscriptions (and their deliveries) leave with it, so no later test's
    sender finds them due."""
    yield

    async def clean() -> None:
        async with desk.database.unit_of_work() as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.portal_id == desk.portal_id)
            )

    client.portal.call(clean)


def subscribe(desk: Desk, url: str, events: list[str] | None = None, **more: Any) -> dict[str, Any]:
    made = desk.client.post(
        f"{v1(desk)}/webhooks",
        json={"url": url, "events": events or ALL_RELEASE_EVENTS, **more},
        headers=bearer(desk.admin.key),
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def sender_for(client: TestClient, clock: Clock, **options: Any) -> WebhookSender:
    config: WebhookConfig = client.app.state.webhooks  # type: ignore[attr-defined]
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    return WebhookSender(database, config, clock=clock, random=lambda: 0.5, **options)


def deliver(client: TestClient, sender: WebhookSender) -> int:
    return client.portal.call(sender.deliver_due)


def deliveries(desk: Desk, webhook_id: int, **query: str) -> list[dict[str, Any]]:
    answer = desk.client.get(
        f"{v1(desk)}/webhooks/{webhook_id}/deliveries",
        params=query,
        headers=bearer(desk.admin.key),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["deliveries"]  # type: ignore[no-any-return]


def verified(secret: str, received: Any) -> dict[str, Any]:
    """What the standardwebhooks verifier makes of a request (it checks the time too)."""
    return Webhook(secret).verify(received.body, received.headers)  # type: ignore[no-any-return]


def test_subscriptions_are_kept_by_admins_and_the_secret_is_shown_once(
    desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.closed"], description="Chat")
    assert made["secret"].startswith("whsec_")
    assert made["events"] == ["release.closed"] and made["enabled"] is True
    base = f"{v1(desk)}/webhooks"
    one = desk.client.get(f"{base}/{made['id']}", headers=bearer(desk.admin.key)).json()
    assert "secret" not in one and one["url"] == receiver.url
    listed = desk.client.get(base, headers=bearer(desk.admin.key)).json()["webhooks"]
    assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]
    assert made["secret"] not in desk.client.get(base, headers=bearer(desk.admin.key)).text

    patched = desk.client.patch(
        f"{base}/{made['id']}",
        json={"events": ["release.created", "release.closed"]},
        headers=bearer(desk.admin.key),
    )
    assert patched.status_code == 200 and patched.json()["events"] == [
        "release.created",
        "release.closed",
    ]
    rotated = desk.client.post(f"{base}/{made['id']}/rotate_secret", headers=bearer(desk.admin.key))
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != made["secret"]
    assert rotated.json()["previous_secret_expires_on"] is not None

    for key in (desk.technician.key, desk.requester.key):
        assert_problem(desk.client.get(base, headers=bearer(key)), 403)
        assert_problem(
            desk.client.post(base, json={"url": receiver.url, "events": []}, headers=bearer(key)),
            403,
        )
    assert_problem(
        desk.client.post(
            base,
            json={"url": receiver.url, "events": ["release.eaten"]},
            headers=bearer(desk.admin.key),
        ),
        400,
        "events",
    )
    assert_problem(
        desk.client.post(
            base,
            json={"url": receiver.url, "events": ["release.closed"], "x": 1},
            headers=bearer(desk.admin.key),
        ),
        400,
        "x",
    )
    assert_problem(desk.client.get(f"{base}/999999999", headers=bearer(desk.admin.key)), 404)
    gone = desk.client.delete(f"{base}/{made['id']}", headers=bearer(desk.admin.key))
    assert gone.status_code == 204
    assert desk.client.get(base, headers=bearer(desk.admin.key)).json()["webhooks"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hooks",
        "http://192.168.0.10/",
        "ftp://127.0.0.1/hooks",
        "http://[fec0::1]/hooks",  # IPv6 site-local: private, though not is_private
    ],
)
def test_a_private_address_is_refused_with_a_400_naming_url(desk: Desk, url: str) -> None:
    answer = desk.client.post(
        f"{v1(desk)}/webhooks",
        json={"url": url, "events": ["release.created"]},
        headers=bearer(desk.admin.key),
    )
    body = assert_problem(answer, 400, "url")
    assert "url" in body["detail"]


def test_every_release_event_reaches_the_receiver_once_signed(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url)
    release = desk.create_release(title="Payroll 7.2")
    rid = release["id"]
    assert (
        desk.put(f"/releases/{rid}", input_data={"release": {"title": "Payroll 7.3"}}).status_code
        == 200
    )
    moved = desk.put(f"/releases/{rid}", input_data={"release": {"stage": {"name": "Planning"}}})
    assert moved.status_code == 200, moved.text
    assert desk.put(f"/releases/{rid}/close").status_code == 200
    assert desk.request("DELETE", f"/releases/{rid}/move_to_trash").status_code == 200
    assert desk.put(f"/releases/restore_from_trash?ids={rid}").status_code == 200
    assert desk.request("DELETE", f"/releases/{rid}/move_to_trash").status_code == 200
    assert desk.request("DELETE", f"/releases/{rid}").status_code == 200

    assert receiver.received == []  # nothing is posted inside a request
    sender = sender_for(client, Clock())
    assert deliver(client, sender) == 9
    assert receiver.types() == [
        "release.created",
        "release.updated",
        "release.stage_changed",
        "release.stage_changed",  # a close reaches Closure, as an update into it does
        "release.closed",
        "release.trashed",
        "release.restored",
        "release.trashed",
        "release.deleted",
    ]
    payloads = [verified(made["secret"], r) for r in receiver.received]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == len(receiver.received)
    created = payloads[0]
    assert created["data"]["release"]["title"] == "Payroll 7.2"
    assert created["data"]["by"]["name"] == desk.admin.name
    assert payloads[1]["data"]["fields"] == ["title"]
    assert payloads[2]["data"]["release"]["stage"]["name"] == "Planning"
    assert payloads[3]["data"]["release"]["stage"]["name"] == "Closure"
    assert payloads[4]["data"]["release"]["status"]["name"] == "Completed"
    deleted = payloads[8]["data"]["release"]
    assert deleted["id"] == int(rid) and deleted["in_trash"]
    assert deliver(client, sender) == 0  # each once

    log = deliveries(desk, made["id"])
    assert len(log) == 9 and {d["status"] for d in log} == {"succeeded"}
    newest = log[0]
    assert newest["event"]["type"] == "release.deleted"
    assert newest["response"]["status"] == 200 and newest["response"]["body"] == "ok"
    assert newest["attempts"] == 1 and newest["response"]["duration_ms"] >= 0
    assert newest["request_headers"]["webhook-id"] == newest["event"]["webhook_id_header"]

    again = desk.client.post(
        f"{v1(desk)}/webhooks/{made['id']}/deliveries/{newest['id']}/redeliver",
        headers=bearer(desk.admin.key),
    )
    assert again.status_code == 202, again.text
    deliver(client, sender)
    assert receiver.received[-1].headers["webhook-id"] == receiver.received[8].headers["webhook-id"]
    assert receiver.received[-1].body == receiver.received[8].body


def test_a_rotation_grace_past_a_week_is_a_400_not_an_overflow(
    desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url)
    for grace in (100_000_000_000_000, 604_801, -1):
        answer = desk.client.post(
            f"{v1(desk)}/webhooks/{made['id']}/rotate_secret",
            json={"grace_seconds": grace},
            headers=bearer(desk.admin.key),
        )
        assert_problem(answer, 400, "grace_seconds")


def test_an_unwanted_event_is_not_written_and_a_refused_write_leaves_none(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    subscribe(desk, receiver.url, ["release.closed"])
    rid = desk.create_release()["id"]
    assert desk.count(WebhookEvent) == 0  # nobody wants release.created
    assert desk.request("DELETE", f"/releases/{rid}/move_to_trash").status_code == 200
    refused = desk.put(f"/releases/{rid}/close")
    assert refused.status_code == 400, refused.text  # a release in the trash is not closed
    assert desk.count(WebhookEvent) == 0

    async def close_then_fail() -> None:
        actor = Actor(desk.admin.id, desk.admin.name, desk.portal_id, desk.portal, Role.ADMIN)
        async with desk.database.unit_of_work() as session:
            other = await releases.add_release(session, actor, ReleaseChanges.of(title="Kept?"))
            from releasedesk.core.releases import lifecycle

            await lifecycle.close_release(session, actor, other.id)
            raise Invalid("the request failed after the close", "x")

    with pytest.raises(Invalid):
        client.portal.call(close_then_fail)
    assert desk.count(WebhookEvent) == 0


FREEZE_EVENTS = [
    "freeze_window.created",
    "freeze_window.updated",
    "freeze_window.deleted",
    "freeze_override.granted",
]


def test_freeze_windows_and_exceptions_are_announced_in_their_transaction(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, FREEZE_EVENTS)
    refused = create(desk, one_off(end="2031-12-21T00:00:00+01:00"))
    assert_problem(refused, 400, "end")
    assert desk.count(WebhookEvent) == 0  # a refused window announces nothing
    ms = int(dt.datetime.fromisoformat("2031-12-27T10:00:00+01:00").timestamp() * 1000)
    inside = desk.create_release(
        key=desk.requester.key,
        title="Inside",
        scheduled_start_time={"value": str(ms)},
        scheduled_end_time={"value": str(ms + 3_600_000)},
    )["id"]
    window = create(desk, one_off()).json()
    base = f"{v1(desk)}/freeze_windows/{window['id']}"
    admin = bearer(desk.admin.key)
    changed = desk.client.patch(base, json={"effect": "warn"}, headers=admin)
    assert changed.status_code == 200, changed.text
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0)
    granted = desk.client.post(
        f"{base}/overrides",
        json={"release_id": int(inside), "reason": "Tax law", "expires_on": expires.isoformat()},
        headers=admin,
    )
    assert granted.status_code == 201, granted.text
    assert desk.client.delete(base, headers=admin).status_code == 204
    sender = sender_for(client, Clock())
    while deliver(client, sender):
        pass
    assert receiver.types() == [
        "freeze_window.created",
        "freeze_window.updated",
        "freeze_override.granted",
        "freeze_window.deleted",
    ]
    bodies = [verified(made["secret"], r)["data"] for r in receiver.received]
    first = bodies[0]["freeze_window"]
    assert first == {
        "id": window["id"],
        "name": "Year-end freeze",
        "reason": "Finance closes the books",
        "effect": "block",
        "timezone": "Europe/Berlin",
        "kind": "one_off",
        "start": "2031-12-21T23:00:00Z",
        "end": "2032-01-03T23:00:00Z",
        "scope": {"services": [], "release_types": [], "teams": []},
        "created_by": desk.admin.name,
        "created_on": first["created_on"],
        "updated_on": first["updated_on"],
    }
    assert bodies[0]["by"] == {"id": desk.admin.id, "name": desk.admin.name}
    assert bodies[1]["freeze_window"]["effect"] == "warn"
    override = bodies[2]["freeze_override"]
    assert override["window"] == {"id": window["id"], "name": "Year-end freeze"}
    assert override["release"] == {"id": int(inside)}
    assert override["reason"] == "Tax law" and override["granted_by"] == desk.admin.name
    assert override["expires_on"] == expires.isoformat().replace("+00:00", "Z")
    assert bodies[3]["freeze_window"]["id"] == window["id"]  # as it was


def test_retries_follow_the_schedule_honour_retry_after_and_keep_the_webhook_id(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.created"])
    receiver.answer(
        Answer(500, body=b"down"),
        Answer(503, {"Retry-After": "3600"}, b"later"),
    )
    desk.create_release()
    clock = Clock()
    sender = sender_for(client, clock)
    deliver(client, sender)
    log = deliveries(desk, made["id"])[0]
    assert log["status"] == "pending" and log["attempts"] == 1
    assert log["response"]["status"] == 500 and log["response"]["body"] == "down"
    first_retry = dt.datetime.fromisoformat(log["next_attempt_on"])
    assert first_retry - clock.now == dt.timedelta(seconds=5)  # the schedule's first wait
    clock.advance(seconds=4)
    deliver(client, sender)
    assert len(receiver.received) == 1
    rotated = desk.client.post(
        f"{v1(desk)}/webhooks/{made['id']}/rotate_secret",
        json={"grace_seconds": 1800},
        headers=bearer(desk.admin.key),
    ).json()["secret"]
    clock.advance(seconds=2)
    deliver(client, sender)
    assert len(receiver.received) == 2
    log = deliveries(desk, made["id"])[0]
    assert log["response"]["headers"]["retry-after"] == "3600"
    # 5 minutes by the schedule, an hour by Retry-After: the hour
    assert dt.datetime.fromisoformat(log["next_attempt_on"]) - clock.now == dt.timedelta(hours=1)
    clock.advance(minutes=30)
    deliver(client, sender)
    assert len(receiver.received) == 2
    clock.advance(minutes=31)
    deliver(client, sender)
    assert len(receiver.received) == 3
    log = deliveries(desk, made["id"])[0]
    assert log["status"] == "succeeded" and log["attempts"] == 3
    # Every attempt is kept, not only the last (migration 0024's webhook_attempts).
    tries = log["attempt_log"]
    assert [a["number"] for a in tries] == [1, 2, 3]
    assert [a["response"]["status"] for a in tries] == [500, 503, 200]
    assert [a["response"]["body"] for a in tries] == ["down", "later", "ok"]
    assert tries[1]["response"]["headers"]["retry-after"] == "3600"
    assert tries[0]["next_attempt_on"] == first_retry.isoformat()
    assert tries[2]["next_attempt_on"] is None
    assert tries[2]["request_headers"]["webhook-id"] == receiver.received[2].headers["webhook-id"]
    one_delivery = desk.client.get(
        f"{v1(desk)}/webhooks/{made['id']}/deliveries/{log['id']}", headers=bearer(desk.admin.key)
    ).json()
    assert one_delivery["attempt_log"] == tries
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    timestamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert timestamps == sorted(timestamps) and timestamps[0] < timestamps[-1]
    # The secret was rotated after the first attempt: the second carries the new signature
    # and the old; the third, past the half hour of grace, the new one alone.
    signers = [[made["secret"]], [rotated, made["secret"]], [rotated]]
    for r, secrets in zip(receiver.received, signers, strict=True):
        # the clock moved past the verifier's tolerance: sign again to compare
        expected = " ".join(
            Webhook(secret).sign(
                r.headers["webhook-id"],
                dt.datetime.fromtimestamp(int(r.headers["webhook-timestamp"]), dt.UTC),
                r.body,
            )
            for secret in secrets
        )
        assert r.headers["webhook-signature"] == expected
    one = desk.client.get(f"{v1(desk)}/webhooks/{made['id']}", headers=bearer(desk.admin.key))
    assert one.json()["failing_since"] is None  # a success ends the failing spell


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.created"])
    receiver.hold_next()  # the first request is never answered
    desk.create_release()
    clock = Clock()
    sender = sender_for(client, clock, timeout_seconds=0.5)
    try:
        deliver(client, sender)
    finally:
        receiver.release()
    log = deliveries(desk, made["id"])[0]
    assert log["status"] == "pending" and log["attempts"] == 1
    assert log["response"]["status"] is None  # no answer, only the error
    assert dt.datetime.fromisoformat(log["next_attempt_on"]) - clock.now == dt.timedelta(seconds=5)
    clock.advance(seconds=6)
    deliver(client, sender)
    log = deliveries(desk, made["id"])[0]
    assert log["status"] == "succeeded" and log["attempts"] == 2
    first, second = receiver.received[0], receiver.received[-1]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_a_410_disables_the_webhook_cancels_the_rest_and_mails_the_admins(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.created"])
    receiver.answer(Answer(410, body=b"gone"))
    desk.create_release()
    clock = Clock()
    sender = sender_for(client, clock, batch=1)
    deliver(client, sender)
    desk.create_release()  # after the disabling: not even written
    one = desk.client.get(
        f"{v1(desk)}/webhooks/{made['id']}", headers=bearer(desk.admin.key)
    ).json()
    assert one["enabled"] is False and "410" in one["disabled_reason"]
    log = deliveries(desk, made["id"])
    assert [d["status"] for d in log] == ["failed"]
    assert desk.count(OutboxMail) == 1  # the portal's one admin
    clock.advance(days=1)
    deliver(client, sender)
    assert len(receiver.received) == 1

    enabled = desk.client.patch(
        f"{v1(desk)}/webhooks/{made['id']}", json={"enabled": True}, headers=bearer(desk.admin.key)
    )
    assert enabled.json()["enabled"] is True and enabled.json()["disabled_reason"] is None
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    again = desk.client.post(
        f"{v1(desk)}/webhooks/{made['id']}/redeliver",
        json={"since": since},
        headers=bearer(desk.admin.key),
    )
    assert again.status_code == 202 and len(again.json()["deliveries"]) == 1
    deliver(client, sender)
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]


def test_days_of_failure_disable_the_webhook(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.created"])
    receiver.answer(*[Answer(500) for _ in range(5)])
    desk.create_release()
    clock = Clock()
    sender = sender_for(client, clock, disable_after=dt.timedelta(days=1))
    deliver(client, sender)
    clock.advance(seconds=6)
    deliver(client, sender)
    one = desk.client.get(
        f"{v1(desk)}/webhooks/{made['id']}", headers=bearer(desk.admin.key)
    ).json()
    assert one["enabled"] is True and one["failing_since"] is not None
    clock.advance(days=1, minutes=1)
    deliver(client, sender)
    one = desk.client.get(
        f"{v1(desk)}/webhooks/{made['id']}", headers=bearer(desk.admin.key)
    ).json()
    assert one["enabled"] is False and "failed for 1 days" in one["disabled_reason"]
    assert len(receiver.received) == 3
    assert desk.count(OutboxMail) == 1


def test_an_address_refused_at_delivery_time_is_not_connected_to(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.created"])
    desk.create_release()
    config: WebhookConfig = client.app.state.webhooks  # type: ignore[attr-defined]
    strict = WebhookConfig(sealer=config.sealer, allowed=())  # loopback no longer allowed
    sender = WebhookSender(desk.database, strict, clock=Clock(), random=lambda: 0.5)
    deliver(client, sender)
    assert receiver.received == []
    log = deliveries(desk, made["id"])[0]
    assert log["status"] == "pending" and "loopback" in log["error"]


def test_two_senders_on_two_database_handles_deliver_each_event_once(
    client: TestClient, settings: Settings, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    subscribe(desk, receiver.url, ["release.created"])
    subscribe(desk, receiver.url + "/second", ["release.created"])
    for n in range(12):
        desk.create_release(title=f"Race {n}")
    config: WebhookConfig = client.app.state.webhooks  # type: ignore[attr-defined]

    async def race() -> None:
        databases = [Database(settings.database_url) for _ in range(2)]
        senders = [
            WebhookSender(d, config, clock=Clock(), batch=5, random=lambda: 0.5) for d in databases
        ]
        try:
            for _ in range(10):
                done = await asyncio.gather(*(s.deliver_due() for s in senders))
                if not any(done):
                    break
        finally:
            for s in senders:
                await s.close()
            for d in databases:
                await d.dispose()

    client.portal.call(race)
    sent = Counter((r.path, r.headers["webhook-id"]) for r in receiver.received)
    assert len(sent) == 24 and set(sent.values()) == {1}
    assert desk.count(WebhookEvent) == 12


def test_another_portals_admin_sees_and_changes_nothing(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    made = subscribe(desk, receiver.url, ["release.created"])
    desk.create_release()
    deliver(client, sender_for(client, Clock()))
    delivery_id = deliveries(desk, made["id"])[0]["id"]
    other = make_desk(client)
    base = f"{v1(other)}/webhooks/{made['id']}"
    key = bearer(other.admin.key)
    assert other.client.get(f"{v1(other)}/webhooks", headers=key).json()["webhooks"] == []
    assert_problem(other.client.get(base, headers=key), 404, "webhook_id")
    assert_problem(other.client.patch(base, json={"enabled": False}, headers=key), 404)
    assert_problem(other.client.delete(base, headers=key), 404)
    assert_problem(other.client.post(f"{base}/rotate_secret", headers=key), 404)
    assert_problem(other.client.get(f"{base}/deliveries", headers=key), 404)
    assert_problem(
        other.client.post(f"{base}/deliveries/{delivery_id}/redeliver", headers=key), 404
    )
    assert_problem(
        desk.client.get(
            f"{v1(desk)}/webhooks/{made['id']}/deliveries",
            params={"limit": "0"},
            headers=bearer(desk.admin.key),
        ),
        400,
        "limit",
    )
    one = desk.client.get(f"{v1(desk)}/webhooks/{made['id']}", headers=bearer(desk.admin.key))
    assert one.json()["enabled"] is True


def test_who_wants_events_is_held_and_every_change_of_a_subscription_is_seen(
    client: TestClient, desk: Desk, receiver: Receiver, hooks: None
) -> None:
    """Release writes read the subscriptions from the reference data held per portal
    version (core/webhooks/outbox.wanting): made, disabled, enabled, deleted through the
    API, each is seen by the very next write; one deleted by hand behind the services'
    back costs the write nothing (the deliveries are for what the database still has)."""
    desk.create_release()  # the portal's reference data now held, with nobody subscribed
    assert desk.count(WebhookEvent) == 0
    made = subscribe(desk, receiver.url, ["release.created"])
    desk.create_release()
    assert desk.count(WebhookEvent) == 1
    path, key = f"{v1(desk)}/webhooks/{made['id']}", bearer(desk.admin.key)
    assert desk.client.patch(path, json={"enabled": False}, headers=key).status_code == 200
    desk.create_release()
    assert desk.count(WebhookEvent) == 1
    assert desk.client.patch(path, json={"enabled": True}, headers=key).status_code == 200
    desk.create_release()
    assert desk.count(WebhookEvent) == 2
    assert desk.client.delete(path, headers=key).status_code == 204
    desk.create_release()
    assert desk.count(WebhookEvent) == 2

    again = subscribe(desk, receiver.url, ["release.created"])
    desk.create_release()
    assert desk.count(WebhookEvent) == 3

    async def delete_by_hand() -> None:
        async with desk.database.unit_of_work() as session:
            await session.execute(
                delete(WebhookSubscription).where(WebhookSubscription.id == again["id"])
            )

    client.portal.call(delete_by_hand)
    desk.create_release()  # 201: held data still names it, its delivery is left out
    assert desk.count(WebhookEvent) == 4
