"""Approval levels and approvals as the release's history keeps them (neutral values).

An organisational role is kept as `{"path": …}` alone: what it is called is a dialect's
word (SDP's `display_name`), derived from the path when the history is rendered. Rows
written before kept SDP's display name beside the path; `org_roles.snapshot_path` reads
both shapes.
"""

from __future__ import annotations

from releasedesk.core.approvals.org_roles import SNAPSHOT_KEY
from releasedesk.core.releases.history import HistoryValue, person_value
from releasedesk.core.releases.rows import person_of
from releasedesk.db.models import Approval, ApprovalLevel

APPROVAL_LEVEL = "approval_level"
APPROVAL = "approval"


def level_value(row: ApprovalLevel) -> dict[str, HistoryValue]:
    return {
        "id": row.id,
        "level": row.level,
        "name": row.name,
        "stage": {"id": row.stage.id, "name": row.stage.name},
        "rule": {"type": row.rule_type, "value": row.rule_value},
        "status": row.status,
    }


def approval_value(level: ApprovalLevel, row: Approval) -> dict[str, HistoryValue]:
    return {
        "id": row.id,
        "level": {"id": level.id, "level": level.level, "name": level.name},
        "stage": {"id": level.stage.id, "name": level.stage.name},
        "approver": person_value(person_of(row.approver)),
        "original_approver": person_value(person_of(row.original_approver)),
        SNAPSHOT_KEY: None if row.xpath is None else {"path": row.xpath},
        "status": row.status,
        "comments": row.comments,
    }
