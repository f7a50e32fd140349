"""Approval levels of a release's stages and the approvers of each: add, list, get, update,
delete, each written to the release's history. Deciding is in decisions.py, sending in
sending.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_staff
from releasedesk.core.approvals import policy, repository, rules
from releasedesk.core.approvals.org_roles import org_role
from releasedesk.core.approvals.schemas import ApproverInput, LevelInput
from releasedesk.core.approvals.snapshots import (
    APPROVAL,
    APPROVAL_LEVEL,
    approval_value,
    level_value,
)
from releasedesk.core.approvals.views import Approval as ApprovalView
from releasedesk.core.approvals.views import ApprovalLevel, ApprovalStatus
from releasedesk.core.errors import Invalid, Mandatory, NotFound, NotUnique, ReadOnly
from releasedesk.core.notifications import outbox
from releasedesk.core.releases import history, recording
from releasedesk.core.releases.access import view_release, writable_release
from releasedesk.core.releases.history import Operation
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.releases.roles import resolve_user
from releasedesk.core.releases.views import Release
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import Query
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.text import plain_line
from releasedesk.core.workflow import service as workflow
from releasedesk.db.models import Approval
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow

NAME_MAX = 200
ACTION = "manage the approvals of a release"


async def _level_row(session: AsyncSession, release: Release, level_id: int) -> ApprovalLevelRow:
    row = await repository.level_row(session, release.id, level_id)
    if row is None:
        raise NotFound(f"No approval level with id '{level_id}' in this release", "id")
    return row


def approval_of(level: ApprovalLevelRow, approval_id: int) -> Approval:
    for row in level.approvals:
        if row.id == approval_id:
            return row
    raise NotFound(f"No approval with id '{approval_id}' in this approval level", "id")


async def renumber(session: AsyncSession, release_id: int, stage_id: int) -> None:
    """Levels 1, 2, … in their order, and which of them is being decided now."""
    rows = await repository.level_rows(session, release_id, stage_id)
    current = rules.current_level([LevelStatus(r.status) for r in rows])
    for index, row in enumerate(rows):
        if row.level != index + 1:
            row.level = index + 1
            await session.flush()  # one at a time, in order: the unique index holds throughout
        row.is_current = index == current
    await session.flush()


async def view_of(session: AsyncSession, release_id: int, level_id: int) -> ApprovalLevel:
    row = await repository.level_row(session, release_id, level_id)
    assert row is not None  # written in this transaction
    return repository.level_view(row)


# --- levels --------------------------------------------------------------------------------


async def add_level(
    session: AsyncSession, actor: Actor, release_id: int, given: LevelInput
) -> ApprovalLevel:
    """A new level at the end of its stage's levels, with the approvers given."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    if given.name is None:
        raise Mandatory("name")
    if given.stage is None:
        raise Mandatory("release_stage")
    if given.rule is None:
        raise Mandatory("rule")
    stage = await workflow.resolve_stage(session, actor.portal_id, given.stage)
    existing = await repository.level_rows(session, release.id, stage.id)
    row = ApprovalLevelRow(
        release_id=release.id,
        stage_id=stage.id,
        level=len(existing) + 1,
        name=plain_line(given.name, "name", mandatory=True, max_length=NAME_MAX),
        rule_type=given.rule.type.value,
        rule_value=None if given.rule.percent is None else str(given.rule.percent),
        status=LevelStatus.PENDING.value,
        is_current=False,
        created_by_id=actor.user_id,
        created_on=dt.datetime.now(dt.UTC),
    )
    await repository.add(session, row)
    row = await _level_row(session, release, row.id)  # with its stage and (no) approvals
    await recording.record_item(
        session,
        release.id,
        actor,
        Operation.ADDED,
        subject=APPROVAL_LEVEL,
        previous=None,
        current=level_value(row),
        description=f"Approval level {row.level} added to {stage.name}",
    )
    if given.approvers:
        await _add_approvers(session, actor, release, row, given.approvers)
    await renumber(session, release.id, stage.id)
    return await view_of(session, release.id, row.id)


async def list_levels(
    session: AsyncSession, actor: Actor, release_id: int, query: Query
) -> Page[ApprovalLevel]:
    """The release's levels in stage order, level by level."""
    release = await view_release(session, actor, release_id, NOTHING)
    levels = await repository.levels_of(session, release.id)
    levels.sort(key=lambda lv: (lv.stage.stage_index, lv.level))
    rows = levels[query.offset : query.offset + query.limit]
    total = len(levels) if query.with_total else None
    return Page(rows, query.offset + len(rows) < len(levels), total)


async def get_level(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int
) -> ApprovalLevel:
    release = await view_release(session, actor, release_id, NOTHING)
    return repository.level_view(await _level_row(session, release, level_id))


async def update_level(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int, given: LevelInput
) -> ApprovalLevel:
    """Rename a level or change its rule (not once it has decisions); its stage stays."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    row = await _level_row(session, release, level_id)
    before = level_value(row)
    if given.has("stage") and given.stage is not None:
        stage = await workflow.resolve_stage(session, actor.portal_id, given.stage)
        if stage.id != row.stage_id:
            raise ReadOnly(
                "release_stage",
                "an approval level stays in its stage: delete it and add one to the other stage",
            )
    if given.has("name"):
        if given.name is None:
            raise Mandatory("name")
        row.name = plain_line(given.name, "name", mandatory=True, max_length=NAME_MAX)
    if given.has("rule"):
        if given.rule is None:
            raise Mandatory("rule")
        value = None if given.rule.percent is None else str(given.rule.percent)
        if (given.rule.type.value, value) != (row.rule_type, row.rule_value):
            if _has_decisions(row):
                raise Invalid(
                    "the rule of a level that has decisions cannot change: they were taken "
                    "under it",
                    "rule",
                )
            row.rule_type, row.rule_value = given.rule.type.value, value
    if given.approvers:
        await _add_approvers(session, actor, release, row, given.approvers)
    await session.flush()
    changes = history.diff(before, level_value(row))
    if changes:
        await recording.record(
            session,
            release.id,
            actor,
            Operation.CHANGED,
            subject=APPROVAL_LEVEL,
            description=f"Approval level {row.level} updated",
            changes=changes,
        )
    await renumber(session, release.id, row.stage_id)
    return await view_of(session, release.id, row.id)


def _has_decisions(row: ApprovalLevelRow) -> bool:
    return any(a.decided_on is not None for a in row.approvals)


async def delete_level(session: AsyncSession, actor: Actor, release_id: int, level_id: int) -> None:
    """Remove a level without decisions; the levels after it move up one."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    row = await _level_row(session, release, level_id)
    if _has_decisions(row):
        raise Invalid(
            "an approval level that has decisions cannot be deleted: they are part of the "
            "release's record",
            "id",
        )
    stage_id, value = row.stage_id, level_value(row)
    await outbox.withdraw_approval_mails(session, [a.id for a in row.approvals])
    await repository.remove(session, row)
    await recording.record_item(
        session,
        release.id,
        actor,
        Operation.REMOVED,
        subject=APPROVAL_LEVEL,
        previous=value,
        current=None,
        description=f"Approval level {value['level']} deleted",
    )
    await renumber(session, release.id, stage_id)


# --- approvals -----------------------------------------------------------------------------


async def add_approvals(
    session: AsyncSession,
    actor: Actor,
    release_id: int,
    level_id: int,
    approvers: tuple[ApproverInput, ...],
) -> list[ApprovalView]:
    """Approvers (users or organisational roles) for a level; each starts To Be Sent."""
    require_staff(actor, ACTION)
    release = await writable_release(session, actor, release_id)
    row = await _level_row(session, release, level_id)
    if not approvers:
        raise Mandatory("approvals", 'name at least one approver: {"approvals": [{…}]}')
    added = await _add_approvers(session, actor, release, row, approvers)
    fresh = await repository.level_row(session, release.id, row.id)
    assert fresh is not None  # locked and read above
    ref = repository.level_ref(fresh)
    return [repository.approval_view(ref, a) for a in fresh.approvals if a.id in added]


async def _add_approvers(
    session: AsyncSession,
    actor: Actor,
    release: Release,
    level: ApprovalLevelRow,
    approvers: tuple[ApproverInput, ...],
) -> set[int]:
    if level.status != LevelStatus.PENDING.value:
        raise Invalid(
            f"level {level.level} is already {level.status}; it takes no more approvers",
            "approval_level",
        )
    forbid_self = await policy.self_approval_rule(session, release, level)
    users = {a.approver_id for a in level.approvals if a.approver_id is not None}
    paths = {a.xpath for a in level.approvals if a.xpath is not None}
    rows: list[Approval] = []
    for given in approvers:
        approval = Approval(
            level_id=level.id,
            status=ApprovalStatus.TO_BE_SENT.value,
            created_by_id=actor.user_id,
            created_on=dt.datetime.now(dt.UTC),
        )
        if given.xpath is not None:
            path = org_role(given.xpath).value
            if path in paths:
                raise NotUnique(f"'{path}' is already an approver of level {level.level}", "xpath")
            paths.add(path)
            approval.xpath = path
        elif given.user is not None:
            user = await resolve_user(session, actor, given.user, field="approver")  # active
            if user.id in users:
                raise NotUnique(
                    f"'{user.name}' is already an approver of level {level.level}", "approver"
                )
            if forbid_self is not None:
                policy.refuse_own_release(release, user.id, user.name, forbid_self)
            users.add(user.id)
            approval.approver_id = user.id
        else:
            raise Mandatory("approver", "each approval names an 'approver' or an 'xpath'")
        rows.append(approval)
    for approval in rows:
        await repository.add(session, approval)
        await session.refresh(approval, ["approver"])
        await recording.record_item(
            session,
            release.id,
            actor,
            Operation.ADDED,
            subject=APPROVAL,
            previous=None,
            current=approval_value(level, approval),
            description=f"Approver added to approval level {level.level}",
        )
    return {a.id for a in rows}


async def list_approvals(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int, query: Query
) -> Page[ApprovalView]:
    release = await view_release(session, actor, release_id, NOTHING)
    row = await _level_row(session, release, level_id)
    return await repository.approvals_page(session, row, query)


async def get_approval(
    session: AsyncSession, actor: Actor, release_id: int, level_id: int, approval_id: int
) -> ApprovalView:
    release = await view_release(session, actor, release_id, NOTHING)
    row = await _level_row(session, release, level_id)
    return repository.approval_view(repository.level_ref(row), approval_of(row, approval_id))
