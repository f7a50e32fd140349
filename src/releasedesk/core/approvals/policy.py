"""Self-approval: whether a release's creator and requesters may approve it, as the portal's
setting or a level's approval policy forbids it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approval_policies import scheduling
from releasedesk.core.approvals import repository
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import NO_SUBJECT, SYSTEM, AuditActor, AuditKind
from releasedesk.core.errors import Invalid
from releasedesk.core.portals import service as portals
from releasedesk.core.releases.views import Release
from releasedesk.db.models import ApprovalLevel as ApprovalLevelRow
from releasedesk.db.models import ApprovalSettings


async def forbids_self_approval(session: AsyncSession, portal_id: int) -> bool:
    row = await repository.policy_row(session, portal_id)
    return row is not None and row.forbid_self_approval


async def set_self_approval(
    session: AsyncSession, portal_name: str, forbid: bool, *, by: AuditActor = SYSTEM
) -> str:
    """Forbid (or allow again) self-approval in the portal, audited with what it was; the
    portal's name."""
    portal = await portals.get_portal(session, portal_name)
    row = await repository.policy_row(session, portal.id)
    was = row is not None and row.forbid_self_approval
    if row is None:
        await repository.add(
            session, ApprovalSettings(portal_id=portal.id, forbid_self_approval=forbid)
        )
    else:
        row.forbid_self_approval = forbid
        await session.flush()
    await audit.record(
        session,
        portal_id=portal.id,
        by=by,
        kind=AuditKind.SELF_APPROVAL_POLICY_SET,
        subject=NO_SUBJECT,
        detail={"forbid_self_approval": forbid, "was": was},
    )
    return portal.name


def is_own(release: Release, user_id: int) -> bool:
    access = release.access()
    return user_id in access.requester_ids or user_id == access.created_by_id


def refuse_own_release(release: Release, user_id: int, name: str, who: str = "this portal") -> None:
    """Under a policy forbidding self-approval: `user_id` must not have made or requested
    the release (roles must be loaded). `who` forbids it: the portal, or the level's
    approval policy."""
    if is_own(release, user_id):
        raise Invalid(
            f"'{name}' created or requested this release, and {who} forbids approving "
            "one's own release",
            "approver",
        )


async def self_approval_rule(
    session: AsyncSession, release: Release, level: ApprovalLevelRow
) -> str | None:
    """Who forbids self-approval on `level`, in words ("this portal", "approval policy
    'CAB'"), or None when nobody does: the portal's setting, else the policy the level
    waits under (or, not sent yet, the one that applies to it now)."""
    if await forbids_self_approval(session, release.portal_id):
        return "this portal"
    found = await scheduling.policy_for(session, release.portal_id, release.id, level)
    if found is not None and found.forbid_self_approval:
        return f"approval policy '{found.name}'"
    return None
