"""What the caller may do with a release, per stage: the same rules that gate every write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, can_edit_release, can_view_release
from releasedesk.core.approvals import repository
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.releases.access import view_release
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.workflow import service as workflow

OVERALL = -1


@dataclass(frozen=True)
class StagePermissions:
    view: bool
    edit: bool
    approve: bool


async def decidable_stages(session: AsyncSession, actor: Actor, release_id: int) -> set[int]:
    """The stages where the caller can decide an approval now: one awaiting its decision on
    a level still pending, asked of the caller or of someone away who named the caller
    their delegate; for an admin (who may act for any approver), any such approval."""
    if actor.is_admin:
        return await repository.pending_stages(session, release_id)
    now = dt.datetime.now(dt.UTC)
    asked_of = [actor.user_id, *await repository.delegators_of(session, actor.user_id, now)]
    return {
        stage_id
        for stage_id, status, level in await repository.approvals_of_user(
            session, release_id, asked_of
        )
        if status == ApprovalStatus.PENDING and level == LevelStatus.PENDING
    }


async def release_permissions(
    session: AsyncSession, actor: Actor, release_id: int
) -> dict[int, StagePermissions]:
    """Per stage id, and OVERALL (-1) for the release as it stands now."""
    release = await view_release(session, actor, release_id, NOTHING)
    access = release.access()
    view = can_view_release(actor, access)
    approve = set() if release.in_trash else await decidable_stages(session, actor, release.id)
    permissions: dict[int, StagePermissions] = {}
    for stage in await workflow.list_stages(session, actor.portal_id):
        in_stage = access.with_stage(stage.internal_name)
        permissions[stage.id] = StagePermissions(
            view=view,
            edit=not release.in_trash and can_edit_release(actor, in_stage),
            approve=stage.id in approve,
        )
    permissions[OVERALL] = StagePermissions(
        view=view,
        edit=not release.in_trash and can_edit_release(actor, access),
        approve=bool(approve),
    )
    return permissions
