"""a per-portal count of live releases, kept by triggers, for deep pages and totals

Revision ID: 0012
Revises: 0011

A page past the middle of a portal's unfiltered list is read from the other end of the
index (offset count - offset - limit, rows reversed), and get_total_count of that list is
the count itself: both need the number of live releases of the portal, exact in the
statement's own snapshot. Triggers on `releases` keep it in the writing transaction:

- PostgreSQL: statement-level triggers with transition tables on INSERT and DELETE (one
  upsert per portal per statement: a COPY or a bulk create of 500 adds once), a row trigger
  on UPDATE OF deleted_time when a release enters or leaves the trash. Each adds to the slot
  `pg_backend_pid() % 64` of the portal, so concurrent writers on different connections
  update different rows and do not queue behind one another until commit. A delete's
  decrement joins `portals`: when a portal is deleted its releases cascade, and no slot is
  written for a portal that is gone.
- SQLite: row triggers on slot 0 (SQLite has one writer at a time).

The upgrade counts what is there (slot 0).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL_UP = (
    """
    CREATE FUNCTION release_live_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO release_live_counts (portal_id, slot, live)
        SELECT portal_id, pg_backend_pid() % 64, count(*)
        FROM new_rows WHERE deleted_time IS NULL GROUP BY portal_id
        ON CONFLICT (portal_id, slot)
        DO UPDATE SET live = release_live_counts.live + EXCLUDED.live;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION release_live_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO release_live_counts (portal_id, slot, live)
        SELECT old_rows.portal_id, pg_backend_pid() % 64, -count(*)
        FROM old_rows JOIN portals ON portals.id = old_rows.portal_id
        WHERE old_rows.deleted_time IS NULL GROUP BY old_rows.portal_id
        ON CONFLICT (portal_id, slot)
        DO UPDATE SET live = release_live_counts.live + EXCLUDED.live;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION release_live_counts_trash() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO release_live_counts (portal_id, slot, live)
        VALUES (
            NEW.portal_id,
            pg_backend_pid() % 64,
            CASE WHEN NEW.deleted_time IS NULL THEN 1 ELSE -1 END
        )
        ON CONFLICT (portal_id, slot)
        DO UPDATE SET live = release_live_counts.live + EXCLUDED.live;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER release_live_counts_insert AFTER INSERT ON releases "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION release_live_counts_insert()",
    "CREATE TRIGGER release_live_counts_delete AFTER DELETE ON releases "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION release_live_counts_delete()",
    "CREATE TRIGGER release_live_counts_trash AFTER UPDATE OF deleted_time ON releases "
    "FOR EACH ROW WHEN ((OLD.deleted_time IS NULL) <> (NEW.deleted_time IS NULL)) "
    "EXECUTE FUNCTION release_live_counts_trash()",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS release_live_counts_trash ON releases",
    "DROP TRIGGER IF EXISTS release_live_counts_delete ON releases",
    "DROP TRIGGER IF EXISTS release_live_counts_insert ON releases",
    "DROP FUNCTION IF EXISTS release_live_counts_trash()",
    "DROP FUNCTION IF EXISTS release_live_counts_delete()",
    "DROP FUNCTION IF EXISTS release_live_counts_insert()",
)

SQLITE_UP = (
    "CREATE TRIGGER release_live_counts_insert AFTER INSERT ON releases "
    "WHEN new.deleted_time IS NULL BEGIN "
    "INSERT INTO release_live_counts (portal_id, slot, live) VALUES (new.portal_id, 0, 1) "
    "ON CONFLICT (portal_id, slot) DO UPDATE SET live = live + 1; END",
    "CREATE TRIGGER release_live_counts_delete AFTER DELETE ON releases "
    "WHEN old.deleted_time IS NULL BEGIN "
    "UPDATE release_live_counts SET live = live - 1 "
    "WHERE portal_id = old.portal_id AND slot = 0; END",
    "CREATE TRIGGER release_live_counts_trash AFTER UPDATE OF deleted_time ON releases "
    "WHEN (old.deleted_time IS NULL) <> (new.deleted_time IS NULL) BEGIN "
    "INSERT INTO release_live_counts (portal_id, slot, live) "
    "VALUES (new.portal_id, 0, CASE WHEN new.deleted_time IS NULL THEN 1 ELSE -1 END) "
    "ON CONFLICT (portal_id, slot) DO UPDATE SET live = live + excluded.live; END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS release_live_counts_trash",
    "DROP TRIGGER IF EXISTS release_live_counts_delete",
    "DROP TRIGGER IF EXISTS release_live_counts_insert",
)


def upgrade() -> None:
    op.create_table(
        "release_live_counts",
        sa.Column(
            "portal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("live", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"],
            ["portals.id"],
            name=op.f("fk_release_live_counts_portal_id_portals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("portal_id", "slot", name=op.f("pk_release_live_counts")),
    )
    # Count before the triggers exist: the migration runs in one transaction, and on SQLite
    # nothing else writes meanwhile; on PostgreSQL the table lock below holds writers off.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("LOCK TABLE releases IN SHARE MODE")
    op.execute(
        "INSERT INTO release_live_counts (portal_id, slot, live) "
        "SELECT portal_id, 0, count(*) FROM releases WHERE deleted_time IS NULL "
        "GROUP BY portal_id"
    )
    statements = SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_table("release_live_counts")
