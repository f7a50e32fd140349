"""SDP routes: a release's permissions per stage and its approval summary."""

from __future__ import annotations

from fastapi import APIRouter

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.sdp import translate_work
from releasedesk.api.sdp.auth import CurrentActor
from releasedesk.api.sdp.errors import answers_list, success_status
from releasedesk.api.sdp.input import NoInput
from releasedesk.api.sdp.router import release_id_of
from releasedesk.core.approvals.permissions import release_permissions
from releasedesk.core.approvals.summary import approval_summary

router = APIRouter()


@router.get("/releases/{release_id}/get_permissions")
async def get_permissions(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """view / edit / approve per stage id, and -1 for the release as it stands."""
    permissions = await release_permissions(session, actor, release_id_of(release_id))
    return JsonResponse(
        {
            "response_status": success_status(),
            "get_permissions": {
                str(stage_id): {"view": p.view, "edit": p.edit, "approve": p.approve}
                for stage_id, p in permissions.items()
            },
        }
    )


@router.get("/releases/{release_id}/approval_levels/approval_summary")
@answers_list
async def get_approval_summary(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """The stages in order: visited, latest decision, last status and comment, levels."""
    stages = await approval_summary(session, actor, release_id_of(release_id))
    return JsonResponse(
        {
            "approval_summary": [translate_work.stage_summary_json(s) for s in stages],
            "response_status": success_status(as_list=True),
        }
    )
