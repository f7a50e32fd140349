"""Users and keys administered by a signed-in person (core/users/administration.py): everyone
manages their own keys, administrators their portal's keys and users, nobody another
portal's; and the rule under the CLI's operations too: a portal keeps an active
administrator."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.approvals import inbox
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditEntry, AuditKind
from releasedesk.core.errors import Forbidden, Invalid, Mandatory, NotFound
from releasedesk.core.users import administration as admin
from releasedesk.core.users import service as users
from releasedesk.core.users.views import KeyView, UserView
from tests.api.sdp.approvals_support import add_level, decided, sent
from tests.helpers import Desk, make_desk

T = TypeVar("T")


def actor(desk: Desk, who: str) -> Actor:
    person = desk.people[who]
    role = {"admin": Role.ADMIN, "technician": Role.TECHNICIAN}.get(who, Role.REQUESTER)
    return Actor(person.id, person.name, desk.portal_id, desk.portal, role)


def write(desk: Desk, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `fn` in one writing unit of work (committed unless it raises)."""

    async def run() -> T:
        async with desk.database.unit_of_work() as session:
            return await fn(session)

    return desk.client.portal.call(run)


def refused(desk: Desk, kind: type[Exception], fn: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    with pytest.raises(kind) as error:
        write(desk, fn)
    return error.value


def trail(desk: Desk) -> list[AuditEntry]:
    async def load(session: AsyncSession) -> list[AuditEntry]:
        return list(await audit.list_entries(session, portal_id=desk.portal_id))

    return write(desk, load)


def user_of(desk: Desk, name: str) -> UserView:
    async def load(session: AsyncSession) -> UserView:
        return admin.user_view(await users.find_user(session, desk.portal_id, name))

    return write(desk, load)


def keys_of(desk: Desk, who: str) -> list[KeyView]:
    return write(desk, lambda s: admin.own_keys(s, actor(desk, who)))


# --- keys -----------------------------------------------------------------------------------


def test_everyone_issues_and_lists_their_own_keys_audited_as_themselves(desk: Desk) -> None:
    me = actor(desk, "requester")
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
    issued = write(desk, lambda s: admin.issue_own_key(s, me, "  laptop script ", expires))
    assert issued.key.startswith("rdk_") and issued.view.name == "laptop script"
    assert issued.view.user_id == me.user_id and issued.view.expires_time == expires
    assert [k.name for k in keys_of(desk, "requester")] == [desk.requester.name, "laptop script"]
    assert desk.get("/releases", key=issued.key).status_code == 200

    created = [e for e in trail(desk) if e.kind is AuditKind.KEY_CREATED][-1]
    assert (created.actor.id, created.actor.name) == (me.user_id, me.user_name)
    assert created.subject.key_id == issued.view.id


def test_a_key_needs_a_label_and_a_future_expiry(desk: Desk) -> None:
    me = actor(desk, "technician")
    error = refused(desk, Mandatory, lambda s: admin.issue_own_key(s, me, "  "))
    assert error.field == "label"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    error = refused(desk, Invalid, lambda s: admin.issue_own_key(s, me, "ci", past))
    assert error.field == "expires"
    error = refused(desk, Invalid, lambda s: admin.issue_own_key(s, me, "x" * 201))
    assert error.field == "label"
    assert len(keys_of(desk, "technician")) == 1  # the desk's own, nothing added


def test_only_an_admin_lists_every_key_of_the_portal(desk: Desk) -> None:
    error = refused(desk, Forbidden, lambda s: admin.portal_keys(s, actor(desk, "technician")))
    assert "administrator" in error.message
    every = write(desk, lambda s: admin.portal_keys(s, actor(desk, "admin")))
    assert {k.user_name for k in every} == {p.name for p in desk.people.values()}
    other = make_desk(desk.client)
    theirs = write(other, lambda s: admin.portal_keys(s, actor(other, "admin")))
    assert not {k.id for k in theirs} & {k.id for k in every}


def test_a_user_revokes_their_own_key_and_no_one_elses(desk: Desk) -> None:
    rita = actor(desk, "requester")
    mine = keys_of(desk, "requester")[0]
    otto_key = keys_of(desk, "other")[0]

    error = refused(desk, Forbidden, lambda s: admin.revoke(s, rita, otto_key.id))
    assert error.message == "Only an administrator can revoke the keys of other users"
    assert desk.get("/releases", key=desk.other_requester.key).status_code == 200

    revoked = write(desk, lambda s: admin.revoke(s, rita, mine.id))
    assert revoked.id == mine.id
    assert desk.get("/releases", key=desk.requester.key).status_code == 401
    assert keys_of(desk, "requester")[0].revoked_time is not None
    again = refused(desk, Invalid, lambda s: admin.revoke(s, rita, mine.id))
    assert "already revoked" in again.message
    entry = [e for e in trail(desk) if e.kind is AuditKind.KEY_REVOKED][-1]
    assert entry.actor.name == rita.user_name and entry.subject.key_id == mine.id


def test_an_admin_revokes_any_key_of_their_portal_only(desk: Desk) -> None:
    boss = actor(desk, "admin")
    tech_key = keys_of(desk, "technician")[0]
    write(desk, lambda s: admin.revoke(s, boss, tech_key.id))
    assert desk.get("/releases", key=desk.technician.key).status_code == 401

    other = make_desk(desk.client)
    foreign = keys_of(other, "technician")[0]
    error = refused(desk, NotFound, lambda s: admin.revoke(s, boss, foreign.id))
    assert error.message == f"no key with id {foreign.id}"
    assert other.get("/releases", key=other.technician.key).status_code == 200
    refused(desk, NotFound, lambda s: admin.revoke(s, boss, 2**70))
    refused(desk, NotFound, lambda s: admin.revoke(s, boss, 0))


# --- users ----------------------------------------------------------------------------------


def test_an_admin_adds_a_user_audited_as_themselves(desk: Desk) -> None:
    boss = actor(desk, "admin")
    added = write(
        desk,
        lambda s: admin.add_user(
            s, boss, name=" Dana Tech ", role="technician", email_id="dana@example.com"
        ),
    )
    assert (added.name, added.role, added.is_active, added.has_password) == (
        "Dana Tech",
        Role.TECHNICIAN,
        True,
        False,
    )
    entry = [e for e in trail(desk) if e.kind is AuditKind.USER_ADDED][-1]
    assert (entry.actor.id, entry.subject.user_name) == (boss.user_id, "Dana Tech")

    with_password = write(
        desk, lambda s: admin.add_user(s, boss, name="Eve", role="requester", password="pw 1")
    )
    assert with_password.has_password
    assert desk.client.get(f"/app/{desk.portal}/api/v3/releases", auth=("Eve", "pw 1")).is_success


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "role": "requester"}, "name"),
        ({"name": "x" * 201, "role": "requester"}, "name"),
        ({"name": "Dana", "role": "wizard"}, "role"),
        ({"name": "Dana", "role": ""}, "role"),
        ({"name": "Dana", "role": "requester", "email_id": "not-an-email"}, "email_id"),
        ({"name": "Dana", "role": "requester", "email_id": "a@" + "b" * 250 + ".com"}, "email_id"),
    ],
)
def test_add_user_refusals_name_their_field(desk: Desk, fields: dict[str, str], field: str) -> None:
    boss = actor(desk, "admin")
    error = refused(desk, Exception, lambda s: admin.add_user(s, boss, **fields))
    assert error.field == field


def test_add_refuses_a_name_or_email_already_in_the_portal(desk: Desk) -> None:
    boss = actor(desk, "admin")
    error = refused(
        desk,
        Exception,
        lambda s: admin.add_user(s, boss, name=desk.technician.name.upper(), role="admin"),
    )
    assert error.field == "name" and "already exists" in error.message


@pytest.mark.parametrize("who", ["technician", "requester"])
def test_only_an_admin_manages_users_and_nothing_changes_otherwise(desk: Desk, who: str) -> None:
    me = actor(desk, who)
    target = desk.other_requester.id
    attempts: list[Callable[[AsyncSession], Awaitable[Any]]] = [
        lambda s: admin.list_users(s, me),
        lambda s: admin.add_user(s, me, name="Mallory", role="admin"),
        lambda s: admin.set_role(s, me, target, "admin"),
        lambda s: admin.set_role(s, me, me.user_id, "admin"),
        lambda s: admin.set_active(s, me, target, False),
        lambda s: admin.set_password(s, me, target, "taken-over"),
    ]
    for attempt in attempts:
        error = refused(desk, Forbidden, attempt)
        assert error.message.startswith("Only an administrator can")
    otto = user_of(desk, desk.other_requester.name)
    assert (otto.role, otto.is_active, otto.has_password) == (Role.REQUESTER, True, False)
    assert user_of(desk, desk.people[who].name).role == me.role
    assert not any(
        e.kind is AuditKind.USER_ADDED and e.subject.user_name == "Mallory" for e in trail(desk)
    )


def test_an_admin_changes_role_activity_and_password_of_their_portal_only(desk: Desk) -> None:
    boss = actor(desk, "admin")
    otto = desk.other_requester
    assert (
        write(desk, lambda s: admin.set_role(s, boss, otto.id, "technician")).role
        is Role.TECHNICIAN
    )
    assert write(desk, lambda s: admin.set_active(s, boss, otto.id, False)).is_active is False
    assert desk.get("/releases", key=otto.key).status_code == 401
    assert write(desk, lambda s: admin.set_active(s, boss, otto.id, True)).is_active is True
    assert write(desk, lambda s: admin.set_password(s, boss, otto.id, "otto-pw")).has_password
    auth = (otto.name, "otto-pw")
    assert desk.client.get(f"/app/{desk.portal}/api/v3/releases", auth=auth).is_success
    kinds = [
        e.kind for e in trail(desk) if e.subject.user_id == otto.id and e.actor.id == boss.user_id
    ]
    assert kinds == [
        AuditKind.ROLE_CHANGED,
        AuditKind.USER_DEACTIVATED,
        AuditKind.USER_ACTIVATED,
        AuditKind.PASSWORD_SET,
    ]

    other = make_desk(desk.client)
    foreign = other.other_requester.id
    for attempt in (
        lambda s: admin.set_role(s, boss, foreign, "admin"),
        lambda s: admin.set_active(s, boss, foreign, False),
        lambda s: admin.set_password(s, boss, foreign, "taken-over"),
        lambda s: admin.set_role(s, boss, 2**70, "admin"),
    ):
        error = refused(desk, NotFound, attempt)
        assert error.field == "user"
    assert user_of(other, other.other_requester.name).role is Role.REQUESTER
    assert desk.get("/releases", key=other.other_requester.key).status_code == 401  # wrong portal
    assert other.get("/releases", key=other.other_requester.key).status_code == 200


def test_the_approvals_waiting_on_each_user_are_counted(desk: Desk) -> None:
    """Sent and undecided, on a live release: decided or trashed ones are not waiting."""
    release = desk.create_release()["id"]
    level = add_level(desk, release, approvers=[desk.technician, desk.admin])
    approvals = {a["approver"]["name"]: a["id"] for a in level["approvals"]}
    for approval_id in approvals.values():
        sent(desk, release, level["id"], approval_id)
    other = desk.create_release()["id"]
    other_level = add_level(desk, other, approvers=[desk.technician])
    sent(desk, other, other_level["id"], other_level["approvals"][0]["id"])

    async def counted(session: AsyncSession) -> dict[str, int]:
        me = actor(desk, "admin")
        by_id = await inbox.waiting_by_approver(session, me)
        return {u.name: by_id.get(u.id, 0) for u in await admin.list_users(session, me)}

    def waiting() -> dict[str, int]:
        return write(desk, counted)

    assert waiting()[desk.technician.name] == 2
    assert waiting()[desk.admin.name] == 1
    assert waiting()[desk.requester.name] == 0
    trashed = desk.request("DELETE", f"/releases/move_to_trash?ids={other}")
    assert trashed.status_code == 200, trashed.text
    assert waiting()[desk.technician.name] == 1
    decided(desk, release, level["id"], approvals[desk.admin.name], "approve", desk.admin.key)
    assert waiting()[desk.technician.name] == 0  # "anyone": the level is decided
    assert waiting()[desk.admin.name] == 0


# --- the last active administrator ---------------------------------------------------------


def only_admin(desk: Desk) -> Actor:
    """Ada Admin as the portal's only active administrator (the default `administrator`
    every portal starts with is deactivated)."""
    write(desk, lambda s: users.set_active(s, desk.portal_id, "administrator", False))
    return actor(desk, "admin")


def test_the_last_active_admin_is_neither_demoted_nor_deactivated(desk: Desk) -> None:
    ada = only_admin(desk)
    error = refused(desk, Invalid, lambda s: admin.set_role(s, ada, ada.user_id, "technician"))
    assert error.field == "role"
    assert error.message == (
        f"'{ada.user_name}' is the last active administrator of this portal: make another "
        "user an administrator before you change their role"
    )
    error = refused(desk, Invalid, lambda s: admin.set_active(s, ada, ada.user_id, False))
    assert error.field == "active" and "before you deactivate them" in error.message
    # The CLI's operations are the same functions: the operator is held to it too.
    refused(desk, Invalid, lambda s: users.set_role(s, desk.portal_id, ada.user_name, "requester"))
    refused(desk, Invalid, lambda s: users.set_active(s, desk.portal_id, ada.user_name, False))
    assert user_of(desk, ada.user_name).role is Role.ADMIN
    assert user_of(desk, ada.user_name).is_active

    # With another active administrator, either change is allowed.
    write(desk, lambda s: admin.set_role(s, ada, desk.technician.id, "admin"))
    write(desk, lambda s: admin.set_role(s, ada, ada.user_id, "technician"))
    assert user_of(desk, ada.user_name).role is Role.TECHNICIAN


def test_a_deactivated_admin_does_not_count_and_another_portals_admins_neither(
    desk: Desk,
) -> None:
    ada = only_admin(desk)
    assert user_of(desk, "administrator").role is Role.ADMIN  # an admin, but inactive
    make_desk(desk.client)  # a portal with admins of its own
    refused(desk, Invalid, lambda s: admin.set_active(s, ada, ada.user_id, False))
    # Reactivating the default administrator makes Ada's deactivation possible.
    default_admin = user_of(desk, "administrator").id
    write(desk, lambda s: admin.set_active(s, ada, default_admin, True))
    write(desk, lambda s: admin.set_active(s, ada, ada.user_id, False))
    assert not user_of(desk, ada.user_name).is_active


def test_two_admins_demoting_each_other_at_once_leave_one(desk: Desk) -> None:
    """The second change waits for the first (the admins are locked before the check) and
    is then refused: each alone would have seen the other still an administrator."""
    ada = only_admin(desk)
    write(desk, lambda s: admin.set_role(s, ada, desk.technician.id, "admin"))
    heather = Actor(
        desk.technician.id, desk.technician.name, desk.portal_id, desk.portal, Role.ADMIN
    )

    async def race() -> Exception | None:
        async with desk.database.unit_of_work() as first:
            await admin.set_role(first, ada, heather.user_id, "technician")

            async def second() -> None:
                async with desk.database.unit_of_work() as session:
                    await admin.set_role(session, heather, ada.user_id, "technician")

            task = asyncio.ensure_future(second())
            await asyncio.sleep(0.5)
            assert not task.done(), "the second change ran while the first held its locks"
        try:
            await task
        except Invalid as error:
            return error
        return None

    error = desk.client.portal.call(race)
    assert isinstance(error, Invalid) and error.field == "role"
    roles = {user_of(desk, p.name).role for p in (desk.admin, desk.technician)}
    assert roles == {Role.ADMIN, Role.TECHNICIAN}
