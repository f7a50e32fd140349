"""tell every worker when a key or a user changes, for their auth caches

Revision ID: 0009
Revises: 0008

PostgreSQL: triggers on `api_keys` and `users` send `pg_notify('releasedesk_auth',
'key:<id>')` or `'user:<id>'` for each row updated or deleted, and `'all'` on TRUNCATE;
PostgreSQL delivers them when the transaction commits (db/auth_notify.py listens).

SQLite has no NOTIFY: the same triggers add one to the single row of `auth_version`, which
each worker polls. The table is made here by hand, as the FTS table of 0003 is (env.py leaves
both out of autogenerate); a later batch migration that recreates `api_keys` or `users` on
SQLite must recreate their triggers.

On both, an update that touches none of the columns a cached caller is made of notifies no
one: above all a key's `last_used_time`, written once a minute per key in use.

Chained after 0008 (approvals).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a cached caller is made of (last_used_time is not among them); a user's password too,
# since setting one is an account change every cache hears of.
KEY_COLUMNS = ("portal_id", "user_id", "name", "key_hash", "prefix", "revoked_time", "expires_time")
USER_COLUMNS = ("portal_id", "name", "role", "is_active", "password_hash")


def _distinct(columns: Sequence[str]) -> str:
    """PostgreSQL: any of `columns` changed (NULL-safe)."""
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"ROW({old}) IS DISTINCT FROM ROW({new})"


def _changed(columns: Sequence[str]) -> str:
    """SQLite: any of `columns` changed (`IS NOT` is NULL-safe there)."""
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


POSTGRESQL_UP = (
    """
    CREATE FUNCTION releasedesk_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('releasedesk_auth', 'all');
        ELSE
            PERFORM pg_notify('releasedesk_auth', TG_ARGV[0] || ':' || OLD.id);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER api_keys_auth_notify_update AFTER UPDATE ON api_keys FOR EACH ROW "
    f"WHEN ({_distinct(KEY_COLUMNS)}) EXECUTE FUNCTION releasedesk_auth_notify('key')",
    "CREATE TRIGGER api_keys_auth_notify_delete AFTER DELETE ON api_keys FOR EACH ROW "
    "EXECUTE FUNCTION releasedesk_auth_notify('key')",
    "CREATE TRIGGER api_keys_auth_notify_truncate AFTER TRUNCATE ON api_keys "
    "FOR EACH STATEMENT EXECUTE FUNCTION releasedesk_auth_notify()",
    "CREATE TRIGGER users_auth_notify_update AFTER UPDATE ON users FOR EACH ROW "
    f"WHEN ({_distinct(USER_COLUMNS)}) EXECUTE FUNCTION releasedesk_auth_notify('user')",
    "CREATE TRIGGER users_auth_notify_delete AFTER DELETE ON users FOR EACH ROW "
    "EXECUTE FUNCTION releasedesk_auth_notify('user')",
    "CREATE TRIGGER users_auth_notify_truncate AFTER TRUNCATE ON users "
    "FOR EACH STATEMENT EXECUTE FUNCTION releasedesk_auth_notify()",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS users_auth_notify_truncate ON users",
    "DROP TRIGGER IF EXISTS users_auth_notify_delete ON users",
    "DROP TRIGGER IF EXISTS users_auth_notify_update ON users",
    "DROP TRIGGER IF EXISTS api_keys_auth_notify_truncate ON api_keys",
    "DROP TRIGGER IF EXISTS api_keys_auth_notify_delete ON api_keys",
    "DROP TRIGGER IF EXISTS api_keys_auth_notify_update ON api_keys",
    "DROP FUNCTION IF EXISTS releasedesk_auth_notify()",
)

BUMP = "BEGIN UPDATE auth_version SET version = version + 1; END"
SQLITE_UP = (
    "CREATE TABLE auth_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
    "INSERT INTO auth_version (id, version) VALUES (1, 0)",
    f"CREATE TRIGGER api_keys_auth_version_update AFTER UPDATE ON api_keys "
    f"WHEN {_changed(KEY_COLUMNS)} {BUMP}",
    f"CREATE TRIGGER api_keys_auth_version_delete AFTER DELETE ON api_keys {BUMP}",
    f"CREATE TRIGGER users_auth_version_update AFTER UPDATE ON users "
    f"WHEN {_changed(USER_COLUMNS)} {BUMP}",
    f"CREATE TRIGGER users_auth_version_delete AFTER DELETE ON users {BUMP}",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS users_auth_version_delete",
    "DROP TRIGGER IF EXISTS users_auth_version_update",
    "DROP TRIGGER IF EXISTS api_keys_auth_version_delete",
    "DROP TRIGGER IF EXISTS api_keys_auth_version_update",
    "DROP TABLE IF EXISTS auth_version",
)


def _statements(up: bool) -> Sequence[str]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    return SQLITE_UP if up else SQLITE_DOWN


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
