"""What the caller may do with a release, per stage: the same rules that gate every write."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, can_edit_release, can_view_release
from releasedesk.core.approvals import repository
from releasedesk.core.releases.access import view_release
from releasedesk.core.releases.read_repository import NOTHING
from releasedesk.core.workflow import service as workflow

OVERALL = -1


@dataclass(frozen=True)
class StagePermissions:
    view: bool
    edit: bool
    approve: bool


async def release_permissions(
    session: AsyncSession, actor: Actor, release_id: int
) -> dict[int, StagePermissions]:
    """Per stage id, and OVERALL (-1) for the release as it stands now."""
    release = await view_release(session, actor, release_id, NOTHING)
    access = release.access()
    view = can_view_release(actor, access)
    approver_stages = (
        set()
        if actor.is_requester
        else await repository.stages_where_approver(session, release.id, actor.user_id)
    )
    permissions: dict[int, StagePermissions] = {}
    for stage in await workflow.list_stages(session, actor.portal_id):
        in_stage = access.with_stage(stage.internal_name)
        permissions[stage.id] = StagePermissions(
            view=view,
            edit=not release.in_trash and can_edit_release(actor, in_stage),
            approve=actor.is_admin or stage.id in approver_stages,
        )
    permissions[OVERALL] = StagePermissions(
        view=view,
        edit=not release.in_trash and can_edit_release(actor, access),
        approve=actor.is_admin or bool(approver_stages),
    )
    return permissions
