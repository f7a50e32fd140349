"""The DORA test data set, made through the real APIs (SDP for most, FlexDeploy for one
release, SDP's approval endpoints for the levels), then placed in March 2026.

No API takes the time of a change (every write is stamped "now"), so the times are set
afterwards by updating the rows that recorded each step: a step's status comment (the
stage/status move the metrics read), the history entries written with the same timestamp,
and the release's own marks stamped then (created_time, completed_time, the deployment
start mark); an approval's sent and decided times and its level's decision time.

The data set (UTC; Europe/Berlin is UTC+1 until Sunday 29 March 2026, 02:00):

  release  services   created        work started   completed (Closure)   afterwards
  R1       Email      03-02 08:00    03-03 08:00    03-05 08:00           Back Out 03-06 08:00
  R2       Email      03-05 20:00    03-06 08:00    03-07 08:00
  R3       ERP        03-09 08:00    -              03-11 08:00 (code Failed)
  R4       ERP        03-11 12:00    -              03-13 14:00
  R5       Printing   02-20 08:00    -              03-24 08:00
  R6       Printing   03-23 08:00    -              03-24 20:00
  R7       (FlexDeploy, none) 03-25 08:00 -         03-26 08:00 (COMPLETED)
  R8       Email      03-24 08:00    -              canceled 03-25 08:00 (not a completion)
  R9       Email      03-28 08:00    -              03-31 08:00 (after the range)

Approvals: R1 level 1 sent 03-02 09:00, approved 03-02 11:00 (2 h); R3 level 1 sent
03-09 09:00, approved 03-09 10:00 (1 h); R3 level 2 sent 03-09 10:00, approved 03-10 10:00
(24 h).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.db.models import (
    Approval,
    ApprovalLevel,
    Release,
    ReleaseDeployment,
    ReleaseHistory,
    ReleaseStatusComment,
)
from tests.api.flexdeploy.support import flex_for
from tests.api.sdp.approvals_support import add_level, decided, in_unit_of_work, sent
from tests.helpers import Desk


def at(text: str) -> dt.datetime:
    """'03-05 08:00' in March (or February) 2026, UTC."""
    return dt.datetime.fromisoformat(f"2026-{text}:00+00:00")


def stamp_last_step(desk: Desk, release_id: int, when: dt.datetime) -> None:
    """Move the release's latest step (its last status comment, and everything written with
    the same timestamp) to `when`."""

    async def move(session: AsyncSession) -> None:
        comment = (
            await session.execute(
                select(ReleaseStatusComment)
                .where(ReleaseStatusComment.release_id == release_id)
                .order_by(ReleaseStatusComment.id.desc())
                .limit(1)
            )
        ).scalar_one()
        old = comment.commented_on
        comment.commented_on = when
        await session.execute(
            update(ReleaseHistory)
            .where(ReleaseHistory.release_id == release_id, ReleaseHistory.time == old)
            .values(time=when)
        )
        for column in (Release.created_time, Release.completed_time):
            await session.execute(
                update(Release)
                .where(Release.id == release_id, column == old)
                .values({column.key: when})
            )
        await session.execute(
            update(ReleaseDeployment)
            .where(
                ReleaseDeployment.release_id == release_id, ReleaseDeployment.started_time == old
            )
            .values(started_time=when)
        )

    in_unit_of_work(desk, move)


def stamp_level(desk: Desk, level_id: int, sent_on: dt.datetime, decided_on: dt.datetime) -> None:
    async def move(session: AsyncSession) -> None:
        await session.execute(
            update(Approval).where(Approval.level_id == level_id).values(sent_on=sent_on)
        )
        await session.execute(
            update(Approval)
            .where(Approval.level_id == level_id, Approval.decided_on.is_not(None))
            .values(decided_on=decided_on)
        )
        await session.execute(
            update(ApprovalLevel)
            .where(ApprovalLevel.id == level_id)
            .values(action_taken_on=decided_on)
        )

    in_unit_of_work(desk, move)


def sdp_release(desk: Desk, title: str, service: str | None, created: str) -> int:
    fields: dict[str, Any] = {"title": title}
    if service:
        fields["services"] = [{"name": service}]
    release_id = int(desk.create_release(**fields)["id"])
    stamp_last_step(desk, release_id, at(created))
    return release_id


def move(desk: Desk, release_id: int, when: str, **position: Any) -> None:
    answer = desk.put(f"/releases/{release_id}", input_data={"release": position})
    assert answer.status_code == 200, answer.text
    stamp_last_step(desk, release_id, at(when))


def close(desk: Desk, release_id: int, when: str, status: str = "completed") -> None:
    answer = desk.put(f"/releases/{release_id}/close", input_data={"status": status})
    assert answer.status_code == 200, answer.text
    stamp_last_step(desk, release_id, at(when))


def change(desk: Desk, release_id: int, **fields: Any) -> None:
    """A change that is no move (no status comment): its time does not matter here."""
    answer = desk.put(f"/releases/{release_id}", input_data={"release": fields})
    assert answer.status_code == 200, answer.text


def approved_level(
    desk: Desk,
    release_id: int,
    sent_on: str,
    decided_on: str,
    *,
    level: dict[str, Any] | None = None,
    send: bool = True,
) -> None:
    """A level of one approver (the technician) sent and approved, then placed in time;
    `level` when it exists already (a second level goes out when the first is approved)."""
    if level is None:
        level = add_level(desk, str(release_id), approvers=[desk.technician])
    [approval] = level["approvals"]
    if send:
        sent(desk, str(release_id), str(level["id"]), str(approval["id"]))
    decided(
        desk, str(release_id), str(level["id"]), str(approval["id"]), "approve", desk.technician.key
    )
    stamp_level(desk, int(level["id"]), at(sent_on), at(decided_on))


@dataclass
class DataSet:
    ids: dict[str, int]


def build(desk: Desk) -> DataSet:
    ids: dict[str, int] = {}
    r1 = ids["R1"] = sdp_release(desk, "R1 mail relay", "Email", "03-02 08:00")
    approved_level(desk, r1, "03-02 09:00", "03-02 11:00")
    move(desk, r1, "03-03 08:00", stage={"name": "Development"})
    close(desk, r1, "03-05 08:00")
    r2 = ids["R2"] = sdp_release(desk, "R2 mail fix", "Email", "03-05 20:00")
    move(desk, r2, "03-06 08:00", stage={"name": "Development"})
    # R1 is backed out (reopened into Development, Back Out): a failure after completion
    move(desk, r1, "03-06 08:00", stage={"name": "Development"}, status={"name": "Back Out"})
    close(desk, r2, "03-07 08:00")
    r3 = ids["R3"] = sdp_release(desk, "R3 ERP upgrade", "ERP", "03-09 08:00")
    first = add_level(desk, str(r3), approvers=[desk.technician], name="CAB")
    second = add_level(desk, str(r3), approvers=[desk.technician], name="Board")
    approved_level(desk, r3, "03-09 09:00", "03-09 10:00", level=first)
    approved_level(desk, r3, "03-09 10:00", "03-10 10:00", level=second, send=False)
    change(desk, r3, closure_code={"name": "Failed"})
    close(desk, r3, "03-11 08:00")
    r4 = ids["R4"] = sdp_release(desk, "R4 ERP fix", "ERP", "03-11 12:00")
    close(desk, r4, "03-13 14:00")
    r5 = ids["R5"] = sdp_release(desk, "R5 printers", "Printing", "02-20 08:00")
    close(desk, r5, "03-24 08:00")
    r6 = ids["R6"] = sdp_release(desk, "R6 print queue", "Printing", "03-23 08:00")
    close(desk, r6, "03-24 20:00")
    flex = flex_for(desk, with_catalog=False)
    r7 = ids["R7"] = int(flex.create(releaseName="R7 pipeline")["releaseId"])
    stamp_last_step(desk, r7, at("03-25 08:00"))
    completed = flex.patch(r7, {"releaseName": "R7 pipeline", "releaseStatus": "COMPLETED"})
    assert completed.status_code == 200, completed.text
    stamp_last_step(desk, r7, at("03-26 08:00"))
    r8 = ids["R8"] = sdp_release(desk, "R8 canceled", "Email", "03-24 08:00")
    close(desk, r8, "03-25 08:00", status="canceled")
    r9 = ids["R9"] = sdp_release(desk, "R9 later", "Email", "03-28 08:00")
    close(desk, r9, "03-31 08:00")
    return DataSet(ids)
