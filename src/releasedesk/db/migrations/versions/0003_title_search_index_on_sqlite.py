"""title search index on SQLite: an FTS5 trigram table kept in step by triggers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:00:00

PostgreSQL already serves `contains` from the pg_trgm GIN index of 0001. SQLite gets an
external-content FTS5 table with the trigram tokenizer; LIKE against it uses the index.
A later batch migration that recreates `releases` on SQLite must recreate these triggers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE releases_fts USING fts5("
    "title, content='releases', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER releases_fts_ai AFTER INSERT ON releases BEGIN "
    "INSERT INTO releases_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER releases_fts_ad AFTER DELETE ON releases BEGIN "
    "INSERT INTO releases_fts(releases_fts, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER releases_fts_au AFTER UPDATE OF title ON releases BEGIN "
    "INSERT INTO releases_fts(releases_fts, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO releases_fts(rowid, title) VALUES (new.id, new.title); END",
    "INSERT INTO releases_fts(releases_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS releases_fts_au",
    "DROP TRIGGER IF EXISTS releases_fts_ad",
    "DROP TRIGGER IF EXISTS releases_fts_ai",
    "DROP TABLE IF EXISTS releases_fts",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
