"""Which approval policy each level of a release is under, and why: the one it waits under
(kept as it was when the level started waiting, and said so when the policy changed since),
else the one that would apply now; with the deadline, the next reminder and what the
scheduler has done and has due."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.approval_policies import scheduling
from releasedesk.core.approval_policies import service as policies
from releasedesk.core.approval_policies.views import (
    ActionKind,
    ApprovalPolicy,
    LevelPolicy,
    ScheduledAction,
    from_snapshot,
)
from releasedesk.core.approvals import repository
from releasedesk.core.releases.access import view_release
from releasedesk.core.releases.parts import NOTHING


async def level_policies(session: AsyncSession, actor: Actor, release_id: int) -> list[LevelPolicy]:
    """Each level of the release (by stage and number) with its policy, for whoever may see
    the release."""
    release = await view_release(session, actor, release_id, NOTHING)
    shown: list[LevelPolicy] = []
    for level in await repository.level_rows(session, release.id):
        snapshot = level.policy_snapshot
        policy: ApprovalPolicy | None
        if snapshot is not None:
            kept = from_snapshot(snapshot)
            policy, why = kept, str(snapshot.get("why") or "")
            changed = await policies.changed_since(session, release.portal_id, kept)
        else:
            resolution = await policies.resolve(
                session, release.portal_id, release.template.id, level.stage_id
            )
            policy, why, changed = resolution.policy, resolution.why, None
        done = [
            ScheduledAction(ActionKind(a.kind), a.sequence, a.due_at, a.done_on, a.outcome)
            for a in await scheduling.actions_of_level(session, level.id)
        ]
        reminders = [a.due_at for a in done if a.kind is ActionKind.REMINDER and a.done_on is None]
        shown.append(
            LevelPolicy(
                level_id=level.id,
                level=level.level,
                level_name=level.name,
                stage=level.stage.name,
                status=level.status,
                policy=policy,
                why=why,
                waiting=snapshot is not None,
                changed_since=changed,
                waiting_since=level.waiting_since,
                deadline=level.deadline,
                next_reminder=min(reminders) if reminders else None,
                actions=tuple(done),
            )
        )
    return shown
