"""A user's approvals (core/approvals/inbox.py): what waits on them and what they decided.

Levels and approvers are set up over the SDP API as the approval tests do; the inbox and the
decisions are core calls in a unit of work of the desk's database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.approvals import decisions, inbox
from releasedesk.core.approvals.rules import (
    Rule,
    RuleType,
    approvals_needed,
    level_outcome,
)
from releasedesk.core.approvals.views import Approval as ApprovalView
from releasedesk.core.approvals.views import ApprovalStatus, InboxEntry, InboxItem
from releasedesk.core.errors import Forbidden, Invalid, NotFound
from releasedesk.core.portals import service as portals
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.users import repository as users_repository
from releasedesk.core.users import service as users
from releasedesk.db.models import Approval
from tests.api.sdp.approvals_support import (
    add_level,
    add_people,
    approval_of,
    in_unit_of_work,
    level_of,
    sent,
)
from tests.api.sdp.support import history_of
from tests.helpers import Desk, Person, make_desk

APPROVED, REJECTED = ApprovalStatus.APPROVED, ApprovalStatus.REJECTED
T = TypeVar("T")


# --- helpers --------------------------------------------------------------------------------


def actor_of(desk: Desk, person: Person, portal: str | None = None) -> Actor:
    """The person as the signed-in caller (in `portal`, the desk's own by default)."""

    async def build(session: AsyncSession) -> Actor:
        user = await users_repository.get(session, desk.portal_id, person.id)
        assert user is not None
        return users.actor_for(user, await portals.get_portal(session, portal or desk.portal))

    return in_unit_of_work(desk, build)


def read(desk: Desk, read_with: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        async with desk.database.unit_of_work(writes=False) as session:
            return await read_with(session)

    return desk.client.portal.call(run)


def waiting(desk: Desk, person: Person, portal: str | None = None) -> list[InboxItem]:
    actor = actor_of(desk, person, portal)
    return read(desk, lambda session: inbox.waiting_on(session, actor))


def decided_recently(desk: Desk, person: Person, limit: int = 20) -> list[InboxItem]:
    actor = actor_of(desk, person)
    return read(desk, lambda session: inbox.decided_recently(session, actor, limit))


def decide(
    desk: Desk,
    person: Person,
    item: InboxItem,
    verdict: ApprovalStatus = APPROVED,
    comments: str | None = "fine by me",
) -> ApprovalView:
    """`person` decides the item with the core's own decide, as the page would."""
    actor = actor_of(desk, person)

    async def run() -> ApprovalView:
        async with desk.database.unit_of_work() as session:
            return await decisions.decide(
                session,
                actor,
                item.release_id,
                item.level_id,
                item.approval_id,
                verdict,
                comments,
            )

    return desk.client.portal.call(run)


def away(desk: Desk, user: Person, delegate: Person) -> None:
    until = dt.datetime.now(dt.UTC) + dt.timedelta(weeks=2)
    response = desk.put(
        f"{desk.base}/users/{user.id}/away",
        input_data={
            "away": {
                "delegate": {"name": delegate.name},
                "until": {"value": str(int(until.timestamp() * 1000))},
            }
        },
    )
    assert response.status_code == 200, response.text


def ids(items: list[InboxItem]) -> list[int]:
    return [item.approval_id for item in items]


@contextmanager
def counting_statements(session: AsyncSession) -> Iterator[list[str]]:
    """The statements the session runs meanwhile (lazy and selectin loads included)."""
    seen: list[str] = []

    def note(state: Any) -> None:
        seen.append(str(state.statement))

    event.listen(session.sync_session, "do_orm_execute", note)
    try:
        yield seen
    finally:
        event.remove(session.sync_session, "do_orm_execute", note)


# --- what waits on the user -----------------------------------------------------------------


def test_a_sent_approval_waits_on_its_approver_and_one_to_be_sent_does_not(desk: Desk) -> None:
    first, second = add_people(desk, 2)
    release = desk.create_release(title="Payroll 4.2")
    rid = release["id"]
    level = add_level(desk, rid, rule={"type": "everyone"}, name="CAB", approvers=[first, second])
    mine, theirs = (a["id"] for a in level["approvals"])
    assert waiting(desk, first) == [] and waiting(desk, second) == []

    sent(desk, rid, level["id"], mine)
    (item,) = waiting(desk, first)
    assert waiting(desk, second) == []  # theirs is still To Be Sent
    sent_on = approval_of(desk, rid, level["id"], mine)["sent_on"]
    assert (item.release_id, item.release_title) == (int(rid), "Payroll 4.2")
    assert (item.stage.name, item.stage.internal_name) == ("Submission", "submission")
    assert (item.level_id, item.level, item.level_name) == (int(level["id"]), 1, "CAB")
    assert item.approval_id == int(mine)
    assert item.rule == "Everyone — 0 of 2 approved"
    assert item.requested_by is not None and item.requested_by.id == desk.admin.id
    assert item.requested_on is not None
    assert int(item.requested_on.timestamp() * 1000) == int(sent_on["value"])
    assert item.on_behalf_of is None
    assert item.status is ApprovalStatus.PENDING
    assert (item.comments, item.decided_on, item.decided_by) == (None, None, None)
    assert str(theirs) not in {str(i.approval_id) for i in waiting(desk, first)}


def test_the_oldest_sent_comes_first_in_one_statement(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    releases = [desk.create_release()["id"] for _ in range(3)]
    levels = [add_level(desk, rid, approvers=[approver]) for rid in releases]
    order = [2, 0, 1]
    for index in order:
        level = levels[index]
        sent(desk, releases[index], level["id"], level["approvals"][0]["id"])
    actor = actor_of(desk, approver)

    async def look(session: AsyncSession) -> tuple[list[InboxItem], list[str]]:
        with counting_statements(session) as statements:
            items = await inbox.waiting_on(session, actor)
        return items, statements

    items, statements = read(desk, look)
    assert [item.release_id for item in items] == [int(releases[i]) for i in order]
    assert len(statements) == 1, statements


def test_a_decision_moves_the_approval_to_decided_recently(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    for _ in range(3):
        rid = desk.create_release()["id"]
        level = add_level(desk, rid, approvers=[approver])
        sent(desk, rid, level["id"], level["approvals"][0]["id"])
    first, second, third = waiting(desk, approver)
    assert decided_recently(desk, approver) == []

    view = decide(desk, approver, second, REJECTED, "not this week")
    assert view.status is REJECTED
    assert ids(waiting(desk, approver)) == [first.approval_id, third.approval_id]
    decide(desk, approver, third)
    decide(desk, approver, first)
    assert waiting(desk, approver) == []
    # The latest decision first: neither the order they were sent nor its reverse.
    latest, middle, earliest = decided_recently(desk, approver)
    assert ids([latest, middle, earliest]) == ids([first, third, second])
    assert (earliest.status, earliest.comments) == (REJECTED, "not this week")
    assert (latest.status, latest.comments) == (APPROVED, "fine by me")
    assert earliest.decided_by is not None and earliest.decided_by.id == approver.id
    assert earliest.decided_on is not None and latest.decided_on is not None
    assert earliest.decided_on <= latest.decided_on
    assert earliest.on_behalf_of is None
    assert earliest.requested_on == second.requested_on
    assert ids(decided_recently(desk, approver, limit=2)) == ids([first, third])
    for limit in (0, inbox.MAX_DECIDED_LIMIT + 1):
        with pytest.raises(Invalid):
            decided_recently(desk, approver, limit)
    # Someone else's decisions are theirs: the admin decided nothing.
    assert decided_recently(desk, desk.admin) == []


def test_a_later_level_waits_until_it_is_the_current_one(desk: Desk) -> None:
    first, second = add_people(desk, 2)
    rid = desk.create_release()["id"]
    one = add_level(desk, rid, name="Team", approvers=[first])
    two = add_level(desk, rid, name="CAB", approvers=[second])
    sent(desk, rid, one["id"], one["approvals"][0]["id"])
    assert waiting(desk, second) == []  # level 2: To Be Sent

    async def sent_behind_the_rules(session: AsyncSession) -> None:
        # A state no request makes (level 2 cannot be sent before level 1 is approved): the
        # inbox still shows only what is on the level being decided.
        await session.execute(
            update(Approval)
            .where(Approval.id == int(two["approvals"][0]["id"]))
            .values(status=ApprovalStatus.PENDING.value, sent_on=dt.datetime.now(dt.UTC))
        )

    in_unit_of_work(desk, sent_behind_the_rules)
    assert level_of(desk, rid, two["id"])["status"]["name"] == "Pending Approval"
    assert waiting(desk, second) == []

    (item,) = waiting(desk, first)
    decide(desk, first, item)
    (now_current,) = waiting(desk, second)
    assert (now_current.level, now_current.level_name) == (2, "CAB")


def test_an_approval_whose_level_has_its_outcome_no_longer_waits(desk: Desk) -> None:
    quick, slow = add_people(desk, 2)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "anyone"}, approvers=[quick, slow])
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    (item,) = waiting(desk, quick)
    decide(desk, quick, item)
    assert waiting(desk, slow) == []  # still Pending Approval, but the level is approved


def test_releases_in_the_trash_or_closed_are_left_out(desk: Desk) -> None:
    (approver,) = add_people(desk, 1)
    rids = [desk.create_release()["id"] for _ in range(3)]
    for rid in rids:
        level = add_level(desk, rid, rule={"type": "everyone"}, approvers=[approver, desk.admin])
        for approval in level["approvals"]:
            sent(desk, rid, level["id"], approval["id"])
    decide(desk, approver, waiting(desk, approver)[0])
    assert len(waiting(desk, approver)) == 2 and len(decided_recently(desk, approver)) == 1

    trashed, kept, closed = rids
    response = desk.request("DELETE", f"/releases/{trashed}/move_to_trash")
    assert response.status_code == 200, response.text
    assert [i.release_id for i in waiting(desk, approver)] == [int(kept), int(closed)]
    assert decided_recently(desk, approver) == []
    response = desk.put(f"/releases/{closed}/close", input_data={"status": "canceled"})
    assert response.status_code == 200, response.text
    assert [i.release_id for i in waiting(desk, approver)] == [int(kept)]

    restored = desk.put(f"/releases/restore_from_trash?ids={trashed}")
    assert restored.status_code == 200, restored.text
    assert len(decided_recently(desk, approver)) == 1


def test_another_portals_approvals_never_show(desk: Desk) -> None:
    other = make_desk(desk.client)
    (mine,) = add_people(desk, 1)
    (theirs,) = add_people(other, 1)
    for each, person in ((desk, mine), (other, theirs)):
        rid = each.create_release()["id"]
        level = add_level(each, rid, approvers=[person])
        sent(each, rid, level["id"], level["approvals"][0]["id"])
    (item,) = waiting(desk, mine)
    (their_item,) = waiting(other, theirs)
    assert item.approval_id != their_item.approval_id
    # The same user id presented in the other portal sees nothing there, nor its own.
    assert waiting(desk, mine, portal=other.portal) == []


# --- delegates ------------------------------------------------------------------------------


def test_a_delegate_sees_and_decides_the_approval_of_someone_away(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    aid = level["approvals"][0]["id"]
    sent(desk, rid, level["id"], aid)
    assert waiting(desk, deputy) == []

    away(desk, approver, deputy)
    (item,) = waiting(desk, deputy)
    assert item.approval_id == int(aid)
    assert item.on_behalf_of is not None and item.on_behalf_of.id == approver.id
    assert ids(waiting(desk, approver)) == [int(aid)]  # still asked of them, too

    view = decide(desk, deputy, item)  # capacity_of: the delegate of an approver away
    assert view.status is APPROVED
    assert view.decided_by is not None and view.decided_by.id == deputy.id
    assert waiting(desk, deputy) == [] and waiting(desk, approver) == []
    (done,) = decided_recently(desk, deputy)
    assert done.on_behalf_of is not None and done.on_behalf_of.id == approver.id
    assert decided_recently(desk, approver) == []
    assert any(
        f"Approved by {deputy.name} as delegate of {approver.name}" in h["description"]
        for h in history_of(desk, rid)
    )


def test_an_approval_sent_while_away_waits_on_the_delegate_only(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    away(desk, approver, deputy)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    sent(desk, rid, level["id"], level["approvals"][0]["id"])
    assert waiting(desk, approver) == []
    (item,) = waiting(desk, deputy)
    assert item.on_behalf_of is not None and item.on_behalf_of.id == approver.id
    decide(desk, deputy, item)
    (done,) = decided_recently(desk, deputy)
    assert done.on_behalf_of is not None and done.on_behalf_of.id == approver.id


def test_a_delegate_approving_on_the_level_keeps_one_vote(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "everyone"}, approvers=[approver, deputy])
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    away(desk, approver, deputy)
    (own,) = waiting(desk, deputy)  # their own; the one they would stand in for stays put
    assert own.on_behalf_of is None
    assert own.approval_id == int(level["approvals"][1]["id"])


def test_a_period_that_ended_hands_nothing_on(desk: Desk) -> None:
    approver, deputy = add_people(desk, 2)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    sent(desk, rid, level["id"], level["approvals"][0]["id"])
    away(desk, approver, deputy)
    assert len(waiting(desk, deputy)) == 1
    cleared = desk.request("DELETE", f"{desk.base}/users/{approver.id}/away")
    assert cleared.status_code == 200, cleared.text
    assert waiting(desk, deputy) == []


# --- the rule in words ----------------------------------------------------------------------


def test_the_rule_shows_its_arithmetic_over_every_approver_of_the_level(desk: Desk) -> None:
    people = add_people(desk, 4)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, rule={"type": "percent", "value": "75"}, approvers=people[:3])
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    assert waiting(desk, people[0])[0].rule == "75 % — 3 of 3 needed, 0 approved"
    decide(desk, people[0], waiting(desk, people[0])[0])
    (item,) = waiting(desk, people[1])
    assert item.rule == "75 % — 3 of 3 needed, 1 approved"
    (done,) = decided_recently(desk, people[0])
    assert done.rule == item.rule

    # An approver not sent yet counts too, as the level's outcome counts them.
    other = desk.create_release()["id"]
    half = add_level(desk, other, rule={"type": "percent", "value": "50"}, approvers=people)
    sent(desk, other, half["id"], half["approvals"][0]["id"])
    assert waiting(desk, people[0])[-1].rule == "50 % — 2 of 4 needed, 0 approved"


@pytest.mark.parametrize(
    ("rule", "approvers", "approved", "text"),
    [
        (Rule(RuleType.ANYONE), 3, 0, "Any one"),
        (Rule(RuleType.EVERYONE), 3, 1, "Everyone — 1 of 3 approved"),
        (Rule(RuleType.FIRST_RESPONSE), 2, 0, "First response"),
        (Rule(RuleType.PERCENT, 75), 3, 1, "75 % — 3 of 3 needed, 1 approved"),
        (Rule(RuleType.PERCENT, 75), 4, 2, "75 % — 3 of 4 needed, 2 approved"),
        (Rule(RuleType.PERCENT, 50), 3, 0, "50 % — 2 of 3 needed, 0 approved"),
        (Rule(RuleType.PERCENT, 1), 5, 0, "1 % — 1 of 5 needed, 0 approved"),
        (Rule(RuleType.PERCENT, 100), 5, 4, "100 % — 5 of 5 needed, 4 approved"),
    ],
)
def test_rule_text(rule: Rule, approvers: int, approved: int, text: str) -> None:
    assert inbox.rule_text(rule, approvers, approved) == text


@pytest.mark.parametrize("rule_type", [RuleType.ANYONE, RuleType.EVERYONE, RuleType.PERCENT])
def test_approvals_needed_is_what_level_outcome_approves_at(rule_type: RuleType) -> None:
    percents = range(1, 101) if rule_type is RuleType.PERCENT else [None]
    for percent in percents:
        rule = Rule(rule_type, percent)
        for total in range(1, 13):
            needed = approvals_needed(rule, total)
            assert needed is not None
            for approved in range(total + 1):
                votes = [APPROVED] * approved + [ApprovalStatus.PENDING] * (total - approved)
                outcome = level_outcome(rule, votes)
                assert (outcome is LevelStatus.APPROVED) == (approved >= needed), (
                    rule,
                    total,
                    approved,
                )
    assert approvals_needed(Rule(RuleType.FIRST_RESPONSE), 3) is None


# --- the count, and one approval read again ------------------------------------------------


def waiting_count(desk: Desk, person: Person) -> int:
    actor = actor_of(desk, person)
    return read(desk, lambda session: inbox.waiting_count(session, actor))


def entry_of(desk: Desk, person: Person, item: InboxItem | Any) -> InboxEntry:
    actor = actor_of(desk, person)
    return read(
        desk,
        lambda session: inbox.entry(
            session, actor, int(item.release_id), int(item.level_id), int(item.approval_id)
        ),
    )


def test_the_count_is_what_waiting_on_lists_in_one_statement(desk: Desk) -> None:
    approver, deputy, colleague = add_people(desk, 3)
    away(desk, approver, deputy)
    for rule, people in (
        ("anyone", [approver]),  # the deputy's, as delegate
        ("everyone", [approver, deputy]),  # the deputy's own only: one vote each
        ("anyone", [deputy, colleague]),
    ):
        rid = desk.create_release()["id"]
        level = add_level(desk, rid, rule={"type": rule}, approvers=people)
        for approval in level["approvals"]:
            sent(desk, rid, level["id"], approval["id"])
    closed = desk.create_release()["id"]
    level = add_level(desk, closed, approvers=[deputy])
    sent(desk, closed, level["id"], level["approvals"][0]["id"])
    response = desk.put(f"/releases/{closed}/close", input_data={"status": "canceled"})
    assert response.status_code == 200, response.text

    for person in (approver, deputy, colleague, desk.admin):
        assert waiting_count(desk, person) == len(waiting(desk, person)), person
    assert waiting_count(desk, deputy) == 3
    actor = actor_of(desk, deputy)

    async def count(session: AsyncSession) -> list[str]:
        with counting_statements(session) as statements:
            await inbox.waiting_count(session, actor)
        return statements

    assert len(read(desk, count)) == 1
    decide(desk, colleague, waiting(desk, colleague)[0])  # settles the deputy's third level
    assert waiting_count(desk, deputy) == 2


def test_an_entry_says_who_settled_the_approval_or_its_level_and_when(desk: Desk) -> None:
    quick, slow = add_people(desk, 2)
    rid = desk.create_release(title="Entry")["id"]
    level = add_level(desk, rid, rule={"type": "anyone"}, approvers=[quick, slow])
    for approval in level["approvals"]:
        sent(desk, rid, level["id"], approval["id"])
    (theirs,) = waiting(desk, quick)
    (mine,) = waiting(desk, slow)
    before = entry_of(desk, slow, mine)
    assert before.item == mine and before.settled is None

    decide(desk, quick, theirs, REJECTED, "no")  # anyone: one rejection of two settles nothing
    assert entry_of(desk, slow, mine).settled is None
    decide(desk, slow, mine, REJECTED, "no either")
    done = entry_of(desk, slow, mine)
    assert done.settled is not None
    assert (done.settled.status, done.settled.of_level) == (REJECTED, False)
    assert done.settled.by is not None and done.settled.by.id == slow.id
    assert done.settled.on == done.item.decided_on is not None

    other = desk.create_release()["id"]
    level = add_level(desk, other, rule={"type": "first_response"}, approvers=[quick, slow])
    for approval in level["approvals"]:
        sent(desk, other, level["id"], approval["id"])
    first = waiting(desk, quick)[0]
    late = waiting(desk, slow)[0]
    decide(desk, quick, first)
    settled = entry_of(desk, slow, late).settled
    assert settled is not None
    assert (settled.status, settled.of_level) == (LevelStatus.APPROVED, True)
    assert settled.by is not None and settled.by.id == quick.id
    assert settled.on is not None
    assert entry_of(desk, slow, late).item.status is ApprovalStatus.PENDING


def test_an_entry_is_only_for_those_it_concerns(desk: Desk) -> None:
    approver, deputy, stranger = add_people(desk, 3)
    rid = desk.create_release()["id"]
    level = add_level(desk, rid, approvers=[approver])
    sent(desk, rid, level["id"], level["approvals"][0]["id"])
    (item,) = waiting(desk, approver)
    for person in (stranger, deputy, desk.requester):
        with pytest.raises(Forbidden):
            entry_of(desk, person, item)
    assert entry_of(desk, desk.admin, item).item.approval_id == item.approval_id
    away(desk, approver, deputy)
    assert entry_of(desk, deputy, item).item.on_behalf_of is not None

    wrong_level = SimpleNamespace(
        release_id=item.release_id, level_id=item.level_id + 1000, approval_id=item.approval_id
    )
    with pytest.raises(NotFound):
        entry_of(desk, approver, wrong_level)
    other = make_desk(desk.client)
    (theirs,) = add_people(other, 1)
    with pytest.raises(NotFound):  # another portal's approval is not there at all
        entry_of(other, theirs, item)
