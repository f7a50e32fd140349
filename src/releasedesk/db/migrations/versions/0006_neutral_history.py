"""History in neutral terms: an operation name of the core's, a subject, and neutral diffs.

Before: SDP's operation names (`add`, `release_to_release_role_add`, `task_add`, …), diffs as
`{field, previous_value, current_value}` with times in epoch milliseconds and role changes in
SDP's three parts (user, id, role). After: the core's Operation values with the subject in
its own column, diffs as `{field, previous, current}` with times as `{"$time": ISO 8601}` and
a role change as one `role_holder` value `{assignment_id, role, user}`.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None

BATCH = 2000
TIME_FIELDS = {
    "scheduled_start_time",
    "scheduled_end_time",
    "next_review_on",
    "completed_time",
    "start_time",
    "end_time",
    "actual_start_time",
    "actual_end_time",
    "time",
}
RELEASE_OPERATIONS = {
    "add": "created",
    "update": "updated",
    "status_change": "moved",
    "close": "closed",
    "move_to_trash": "trashed",
    "restore_from_trash": "restored",
    "release_to_release_role_add": "role_assigned",
    "release_to_release_role_remove": "role_removed",
}
ITEM_VERBS = {
    "add": "added",
    "update": "changed",
    "delete": "removed",
    "associate": "associated",
    "dissociate": "dissociated",
}
SUBJECTS = ("task", "worklog", "note", "reminder", "change", "project")

history = sa.table(
    "release_history",
    sa.column("id", sa.BigInteger),
    sa.column("operation", sa.String),
    sa.column("subject", sa.String),
    sa.column("diff", sa.JSON),
)


def _rows(connection: sa.Connection) -> Iterator[Sequence[Any]]:
    last = 0
    while True:
        rows = connection.execute(
            sa.select(history.c.id, history.c.operation, history.c.subject, history.c.diff)
            .where(history.c.id > last)
            .order_by(history.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _load(diff: Any) -> list[dict[str, Any]]:
    if isinstance(diff, str):
        diff = json.loads(diff)
    return diff if isinstance(diff, list) else []


def _iso(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _neutral_value(field: str, value: Any) -> Any:
    if field in TIME_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
        return {"$time": _iso(int(value))}
    if isinstance(value, dict):
        return {k: _neutral_value(k, v) for k, v in value.items()}
    return value


def _sdp_value(field: str, value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$time"}:
            moment = dt.datetime.fromisoformat(str(value["$time"]).replace("Z", "+00:00"))
            return int(moment.timestamp() * 1000)
        return {k: _sdp_value(k, v) for k, v in value.items()}
    return value


def _neutral_operation(name: str) -> tuple[str, str | None]:
    if name in RELEASE_OPERATIONS:
        return RELEASE_OPERATIONS[name], None
    subject, _, verb = name.rpartition("_")
    if subject in SUBJECTS and verb in ITEM_VERBS:
        return ITEM_VERBS[verb], subject
    return name, None


def _neutral_diff(diff: list[dict[str, Any]], operation: str) -> list[dict[str, Any]]:
    if operation in ("role_assigned", "role_removed"):
        parts = {d.get("field"): d for d in diff}
        side = "current_value" if operation == "role_assigned" else "previous_value"
        value = {
            "assignment_id": (parts.get("id") or {}).get(side),
            "role": (parts.get("role") or {}).get(side),
            "user": (parts.get("user") or {}).get(side),
        }
        added = operation == "role_assigned"
        return [
            {
                "field": "role_holder",
                "previous": None if added else value,
                "current": value if added else None,
            }
        ]
    return [
        {
            "field": d.get("field"),
            "previous": _neutral_value(str(d.get("field")), d.get("previous_value")),
            "current": _neutral_value(str(d.get("field")), d.get("current_value")),
        }
        for d in diff
    ]


def _sdp_diff(diff: list[dict[str, Any]], operation: str) -> list[dict[str, Any]]:
    if operation in ("role_assigned", "role_removed") and diff:
        added = operation == "role_assigned"
        value = diff[0].get("current" if added else "previous") or {}
        return [
            {
                "field": name,
                "previous_value": None if added else value.get(key),
                "current_value": value.get(key) if added else None,
            }
            for name, key in (("user", "user"), ("id", "assignment_id"), ("role", "role"))
        ]
    return [
        {
            "field": d.get("field"),
            "previous_value": _sdp_value(str(d.get("field")), d.get("previous")),
            "current_value": _sdp_value(str(d.get("field")), d.get("current")),
        }
        for d in diff
    ]


def _rewrite(convert: Callable[[Any], dict[str, Any]]) -> None:
    connection = op.get_bind()
    for rows in _rows(connection):
        for row in rows:
            connection.execute(
                sa.update(history).where(history.c.id == row.id).values(**convert(row))
            )


def upgrade() -> None:
    with op.batch_alter_table("release_history") as batch:
        batch.add_column(sa.Column("subject", sa.String(30), nullable=True))

    def neutral(row: Any) -> dict[str, Any]:
        operation, subject = _neutral_operation(row.operation)
        return {
            "operation": operation,
            "subject": subject,
            "diff": _neutral_diff(_load(row.diff), operation),
        }

    _rewrite(neutral)


def downgrade() -> None:
    sdp_names = {v: k for k, v in RELEASE_OPERATIONS.items()}
    sdp_verbs = {v: k for k, v in ITEM_VERBS.items()}

    def sdp(row: Any) -> dict[str, Any]:
        if row.subject and row.operation in sdp_verbs:
            name = f"{row.subject}_{sdp_verbs[row.operation]}"
        else:
            name = sdp_names.get(row.operation, row.operation)
        return {"operation": name, "diff": _sdp_diff(_load(row.diff), row.operation)}

    _rewrite(sdp)
    with op.batch_alter_table("release_history") as batch:
        batch.drop_column("subject")
