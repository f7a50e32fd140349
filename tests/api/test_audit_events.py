"""Decision and security events in the audit trail, each in the transaction of its change and
chained: a release closed (by /close and by a move to Closure), trashed, restored, deleted;
an approval delegated and decided; away periods; the self-approval policy; a revoked key's
refusals (once per key and hour, a flood no write flood). An event recorded in a savepoint
that rolls back is not chained; concurrent writers leave an intact chain."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from releasedesk.cli.main import app as cli
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.chain import Verdict
from releasedesk.core.audit.views import NO_SUBJECT, SYSTEM, AuditEntry, AuditKind
from releasedesk.core.portals import service as portals
from releasedesk.core.releases import lifecycle
from releasedesk.core.users import service as users
from releasedesk.core.users.keys import REFUSED
from releasedesk.db.models import AuditEvent
from tests.api.sdp.approvals_support import add_level, add_people, decided, sent
from tests.api.sdp.test_approvals_delegation import away
from tests.helpers import Desk


def trail(desk: Desk, *kinds: AuditKind) -> list[AuditEntry]:
    async def load() -> Sequence[AuditEntry]:
        async with desk.database.unit_of_work(writes=False) as session:
            return await audit.list_entries(session, portal_id=desk.portal_id)

    found = desk.client.portal.call(load)
    return [e for e in found if not kinds or e.kind in kinds]


def verdict(desk: Desk) -> Verdict:
    async def check() -> Verdict:
        async with desk.database.unit_of_work(writes=False) as session:
            return await audit.verify(session, desk.portal_id, desk.portal)

    return desk.client.portal.call(check)


def test_a_releases_close_trash_restore_and_deletion_are_audited(desk: Desk) -> None:
    closed, moved, gone = (desk.create_release(title=t) for t in ("Closed", "Moved", "Gone"))
    response = desk.put(
        f"/releases/{closed['id']}/close", input_data={"status": "canceled", "comment": "No go"}
    )
    assert response.status_code == 200, response.text
    moved_there = desk.put(
        f"/releases/{moved['id']}",
        input_data={"release": {"stage": {"name": "Closure"}, "status": {"name": "Completed"}}},
    )
    assert moved_there.status_code == 200, moved_there.text
    for path, method in (
        ("move_to_trash", "DELETE"),
        ("restore_from_trash", "PUT"),
        ("move_to_trash", "DELETE"),
    ):
        answer = desk.request(method, f"/releases/{path}?ids={gone['id']}", input_data={})
        assert answer.status_code == 200, answer.text
    assert desk.request("DELETE", f"/releases/{gone['id']}").status_code == 200

    events = [
        (e.kind, e.actor.name, e.detail)
        for e in trail(desk)
        if isinstance(e.detail.get("release"), dict)
    ]
    admin = desk.admin.name
    release = {"id": int(gone["id"]), "title": "Gone"}
    assert events == [
        (
            AuditKind.RELEASE_CLOSED,
            admin,
            {
                "release": {"id": int(closed["id"]), "title": "Closed"},
                "status": "Canceled",
                "comment": "No go",
            },
        ),
        (
            AuditKind.RELEASE_CLOSED,
            admin,
            {
                "release": {"id": int(moved["id"]), "title": "Moved"},
                "status": "Completed",
                "comment": None,
            },
        ),
        (AuditKind.RELEASE_TRASHED, admin, {"release": release}),
        (AuditKind.RELEASE_RESTORED, admin, {"release": release}),
        (AuditKind.RELEASE_TRASHED, admin, {"release": release}),
        (AuditKind.RELEASE_DELETED, admin, {"release": release}),
    ]
    assert all(e.subject == NO_SUBJECT for e in trail(desk, AuditKind.RELEASE_DELETED))
    assert verdict(desk).intact


def test_away_delegation_and_a_delegates_decision_are_audited(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    assert away(desk, approver, deputy).status_code == 200
    rid = desk.create_release(title="Needs a yes")["id"]
    level = add_level(desk, rid, approvers=[approver])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    decided(desk, rid, level["id"], aid, "approve", deputy.key)
    cleared = desk.request("DELETE", f"{desk.base}/users/{approver.id}/away")
    assert cleared.status_code == 200, cleared.text

    kinds = (
        AuditKind.AWAY_SET,
        AuditKind.APPROVAL_DELEGATED,
        AuditKind.APPROVAL_DECIDED,
        AuditKind.AWAY_CLEARED,
    )
    set_, delegated, decision, back = trail(desk, *kinds)
    assert [e.kind for e in (set_, delegated, decision, back)] == list(kinds)
    assert {e.subject.user_id for e in (set_, delegated, back)} == {approver.id}
    assert set_.actor.name == back.actor.name == desk.admin.name
    assert set_.detail["delegate"] == {"id": deputy.id, "name": deputy.name}
    assert back.detail["delegate"] == set_.detail["delegate"]
    needs_a_yes = {"id": int(rid), "title": "Needs a yes"}
    assert delegated.detail == {
        "release": needs_a_yes,
        "approval": int(aid),
        "level": 1,
        "stage": "Submission",
        "delegate": {"id": deputy.id, "name": deputy.name},
    }
    assert (decision.actor.name, decision.subject.user_id) == (deputy.name, deputy.id)
    assert decision.detail == {
        "release": needs_a_yes,
        "approval": int(aid),
        "level": 1,
        "stage": "Submission",
        "decision": "approved",
        "comment": "ok",
        "capacity": "approver",
        "via": "api",
    }
    assert verdict(desk).intact


def test_the_self_approval_policy_is_audited(desk: Desk, database_url: str, tmp_path: Path) -> None:
    env = {"RELEASEDESK_DATABASE_URL": database_url, "RELEASEDESK_VAR_DIR": str(tmp_path)}
    for flag in ("--forbid-self-approval", "--allow-self-approval"):
        result = CliRunner().invoke(cli, ["portal", "set", desk.portal, flag], env=env)
        assert result.exit_code == 0, result.output
    changes = trail(desk, AuditKind.SELF_APPROVAL_POLICY_SET)
    assert [e.detail for e in changes] == [
        {"forbid_self_approval": True, "was": False},
        {"forbid_self_approval": False, "was": True},
    ]
    assert all(e.actor.name.startswith("cli") for e in changes)


def test_a_revoked_keys_refusals_are_audited_once_an_hour(desk: Desk) -> None:
    key = desk.technician.key
    assert desk.get("/releases", key=key).status_code == 200

    async def revoke() -> int:
        async with desk.database.unit_of_work() as session:
            return (await users_keys_revoke(session, key)).id

    key_id = desk.client.portal.call(revoke)
    refused_write = desk.post("/releases", key=key, input_data={"release": {"title": "x"}})
    assert refused_write.status_code == 401 and REFUSED in refused_write.text
    for _ in range(3):
        assert desk.get("/releases", key=key).status_code == 401
    refusals = trail(desk, AuditKind.KEY_REVOKED_REFUSED)
    assert [(e.subject.key_id, e.actor) for e in refusals] == [(key_id, SYSTEM)]
    assert refusals[0].detail["prefix"] == key[:12]

    async def an_hour_ago() -> None:  # the period is measured from the last entry
        async with desk.database.unit_of_work() as session:
            await session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == refusals[0].id)
                .values(occurred_time=refusals[0].occurred_time - dt.timedelta(hours=1))
            )

    desk.client.portal.call(an_hour_ago)  # edits the trail by hand, so the chain breaks there
    assert desk.get("/releases", key=key).status_code == 401  # a GET: no request transaction
    assert len(trail(desk, AuditKind.KEY_REVOKED_REFUSED)) == 2
    assert verdict(desk).finding is not None


async def users_keys_revoke(session: object, key: str) -> object:
    from releasedesk.core.users import keys

    return await keys.revoke_key(session, key)  # type: ignore[arg-type]


def test_an_event_in_a_savepoint_rolled_back_is_not_chained(desk: Desk) -> None:
    async def write() -> None:
        async with desk.database.unit_of_work() as session:
            admin = desk.admin.id
            undone = await session.begin_nested()
            await users.set_password(session, desk.portal_id, admin, "undone-pw")
            await undone.rollback()
            kept = await session.begin_nested()
            await users.set_password(session, desk.portal_id, admin, "kept-pw")
            await kept.commit()

    before = len(trail(desk))
    desk.client.portal.call(write)
    assert [e.kind for e in trail(desk)[before:]] == [AuditKind.PASSWORD_SET]
    assert verdict(desk).intact


def test_concurrent_closes_and_trashes_chain_one_after_another(desk: Desk) -> None:
    """Several ids in one request hold each release's lock to the end: with the head locked
    at the commit, a request closing a and b and another trashing b never deadlock."""
    pairs = [(desk.create_release(), desk.create_release()) for _ in range(4)]

    async def race() -> None:
        async with desk.database.unit_of_work() as session:
            portal = await portals.get_portal(session, desk.portal)
            admin = await users.find_user(session, portal.id, desk.admin.name)
            actor = users.actor_for(admin, portal)

        async def close_both(a: int, b: int) -> None:
            async with desk.database.unit_of_work() as session:
                await lifecycle.for_each_release(
                    session, [a, b], lambda rid: lifecycle.close_release(session, actor, rid)
                )

        async def trash(b: int) -> None:
            async with desk.database.unit_of_work() as session:
                await lifecycle.move_to_trash(session, actor, b)

        await asyncio.gather(
            *(close_both(int(a["id"]), int(b["id"])) for a, b in pairs),
            *(trash(int(b["id"])) for _, b in pairs),
        )

    desk.client.portal.call(race)
    assert len(trail(desk, AuditKind.RELEASE_TRASHED)) == 4
    closed = {e.detail["release"]["id"] for e in trail(desk, AuditKind.RELEASE_CLOSED)}  # type: ignore[index]
    assert {int(a["id"]) for a, _ in pairs} <= closed
    assert verdict(desk).intact
