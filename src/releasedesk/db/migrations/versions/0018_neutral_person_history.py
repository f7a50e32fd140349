"""a person in release history in neutral words

Revision ID: 0018
Revises: 0017

History keeps a person as they were when the change was made (core/releases/history.py,
person_value). Those snapshots used SDP's words for two keys, `email_id` and `is_vipuser`;
the core's Person now says `email` and `is_vip`, and SDP's translator puts its own words
back on the wire. Every stored snapshot is rewritten here, rather than readers accepting
both forms, so that history has one shape and no reader carries the old one for ever.

A snapshot of a person is any object in a diff with the `is_vipuser` key (after: `is_vip`);
the keys keep their order. Only rows whose diff mentions the key are read, in batches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels = None
depends_on = None

BATCH = 2000
NEUTRAL = {"email_id": "email", "is_vipuser": "is_vip"}
SDP = {neutral: sdp for sdp, neutral in NEUTRAL.items()}

history = sa.table(
    "release_history",
    sa.column("id", sa.BigInteger),
    sa.column("diff", sa.JSON),
)


def _renamed(value: Any, names: Mapping[str, str], marker: str) -> Any:
    """`value` with every object holding `marker` (a person) renamed by `names`."""
    if isinstance(value, dict):
        person = marker in value
        return {
            (names.get(k, k) if person else k): _renamed(v, names, marker) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_renamed(v, names, marker) for v in value]
    return value


def _rewrite(names: Mapping[str, str], marker: str) -> None:
    connection = op.get_bind()
    mentions = sa.cast(history.c.diff, sa.Text).like(f'%"{marker}"%')
    last = 0
    while True:
        rows = connection.execute(
            sa.select(history.c.id, history.c.diff)
            .where(history.c.id > last, mentions)
            .order_by(history.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            diff = json.loads(row.diff) if isinstance(row.diff, str) else row.diff
            connection.execute(
                sa.update(history)
                .where(history.c.id == row.id)
                .values(diff=_renamed(diff, names, marker))
            )
        last = rows[-1].id


def upgrade() -> None:
    _rewrite(NEUTRAL, "is_vipuser")


def downgrade() -> None:
    _rewrite(SDP, "is_vip")
