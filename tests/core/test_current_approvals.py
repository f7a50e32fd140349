"""The approval of the stage each release stands in, read for a page of releases at once
(the board's cards): one statement, only the current stage's levels, only the caller's
portal."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select

from releasedesk.core.actors import Actor, Role
from releasedesk.core.approvals import summary
from releasedesk.core.releases import service as releases
from releasedesk.core.stage_approval.status import StageApproval
from releasedesk.db.models import Approval, ApprovalLevel, ReleaseStage
from tests.helpers import Desk, make_desk


def add_level(desk: Desk, release_id: int, stage: str, status: str, votes: list[str]) -> None:
    async def add() -> None:
        async with desk.database.unit_of_work() as session:
            stage_id = (
                await session.execute(
                    select(ReleaseStage.id).where(
                        ReleaseStage.portal_id == desk.portal_id, ReleaseStage.name == stage
                    )
                )
            ).scalar_one()
            level = ApprovalLevel(
                release_id=release_id,
                stage_id=stage_id,
                level=1,
                name="CAB",
                rule_type="everyone",
                status=status,
                created_by_id=desk.admin.id,
            )
            approvers = [desk.admin.id, desk.technician.id, desk.requester.id]
            level.approvals = [
                Approval(approver_id=approvers[i], status=vote) for i, vote in enumerate(votes)
            ]
            session.add(level)

    desk.client.portal.call(add)


def test_the_current_stage_approval_of_many_releases_in_one_statement(
    desk: Desk, run: Callable[..., Any]
) -> None:
    ids = [int(desk.create_release()["id"]) for _ in range(5)]
    waiting, approved, rejected, later, plain = ids
    add_level(desk, waiting, "Submission", "pending", ["approved", "pending", "to_be_sent"])
    add_level(desk, approved, "Submission", "approved", ["approved"])
    add_level(desk, rejected, "Submission", "rejected", ["rejected", "pending"])
    add_level(desk, later, "Planning", "pending", ["pending"])
    stranger = make_desk(desk.client)
    theirs = int(stranger.create_release()["id"])
    add_level(stranger, theirs, "Submission", "pending", ["pending"])
    actor = Actor(desk.admin.id, desk.admin.name, desk.portal_id, desk.portal, Role.ADMIN)
    statements: list[str] = []

    async def read() -> dict[int, summary.CurrentApproval]:
        async with desk.database.unit_of_work(writes=False) as session:
            shown = [await releases.get_release(session, actor, i) for i in ids]
            engine = (await session.connection()).engine.sync_engine

            def count(*args: Any) -> None:
                statements.append(str(args[2]))

            event.listen(engine, "before_cursor_execute", count)
            try:
                # A release of another portal, named as if shown, is not read.
                foreign = [*shown, _as_id(shown[0], theirs)]
                return await summary.current_approvals(session, actor, foreign)
            finally:
                event.remove(engine, "before_cursor_execute", count)

    found = run(read)
    assert len(statements) == 1
    assert found == {
        waiting: summary.CurrentApproval(StageApproval.PENDING, approved=1, approvals=3),
        approved: summary.CurrentApproval(StageApproval.APPROVED, approved=1, approvals=1),
        rejected: summary.CurrentApproval(StageApproval.REJECTED, approved=0, approvals=2),
    }
    assert later not in found and plain not in found and theirs not in found
    assert summary.NO_APPROVAL.state is StageApproval.NONE


def _as_id(release: Any, release_id: int) -> Any:
    return dataclasses.replace(release, id=release_id)
