"""Helpers the SDP tests share: error messages, history, stored approval levels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from releasedesk.db.models import Approval, ApprovalLevel, ReleaseStage
from tests.helpers import Desk


def error_of(response: Any) -> dict[str, Any]:
    """The first message of an SDP failure envelope (object or array)."""
    status = response.json()["response_status"]
    status = status[0] if isinstance(status, list) else status
    assert status["status_code"] == 4000
    assert status["status"] == "failed"
    return status["messages"][0]  # type: ignore[no-any-return]


def history_of(desk: Desk, release_id: str, key: str | None = None) -> list[dict[str, Any]]:
    response = desk.get(
        f"/releases/{release_id}/history", key=key, input_data={"list_info": {"row_count": 100}}
    )
    assert response.status_code == 200, response.text
    return response.json()["history"]  # type: ignore[no-any-return]


def operations(desk: Desk, release_id: str) -> list[str]:
    return [h["operation"]["name"] for h in history_of(desk, release_id)]


def add_approval_level(
    desk: Desk,
    release_id: int,
    stage_name: str,
    approver_id: int,
    status: str = "pending",
    level: int = 1,
) -> None:
    """Approval levels arrive with the approvals issue; until then tests store one directly
    (`level` orders the levels of one stage)."""

    async def add() -> None:
        async with desk.database.unit_of_work() as session:
            stage = (
                await session.execute(
                    select(ReleaseStage).where(
                        ReleaseStage.portal_id == desk.portal_id, ReleaseStage.name == stage_name
                    )
                )
            ).scalar_one()
            row = ApprovalLevel(
                release_id=release_id,
                stage_id=stage.id,
                level=level,
                name="Default",
                rule_type="anyone",
                status=status,
                created_by_id=desk.admin.id,
            )
            row.approvals = [Approval(approver_id=approver_id, status=status)]
            session.add(row)

    desk.client.portal.call(add)
