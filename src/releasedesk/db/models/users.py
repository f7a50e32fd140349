"""Users of a portal and their API keys (stored hashed; revoked or expired, never deleted)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from releasedesk.db.base import (
    Base,
    BigId,
    IdMixin,
    PortalMixin,
    UtcDateTime,
    unique_index,
    utcnow,
)
from releasedesk.db.models.lookups import Department


class User(IdMixin, PortalMixin, Base):
    __tablename__ = "users"
    # Names and emails are unique in the portal in any case (a NULL email repeats freely:
    # NULLs are distinct in a unique index on both databases).
    __table_args__ = (
        unique_index(
            "ux_users_portal_lower_name",
            "portal_id",
            text("lower(name)"),
            field="name",
            says="a user with that name already exists in the portal",
        ),
        unique_index(
            "ux_users_portal_lower_email",
            "portal_id",
            text("lower(email_id)"),
            field="email_id",
            says="a user with that email already exists in the portal",
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    email_id: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(50))
    department_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("departments.id", ondelete="SET NULL")
    )
    is_vipuser: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship(lazy="joined")


class ApiKey(IdMixin, PortalMixin, Base):
    __tablename__ = "api_keys"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The first instant the key no longer works; NULL: never expires.
    expires_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Written at most once a minute per key (see core/users/keys.py), not on every request.
    last_used_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class WebSession(IdMixin, PortalMixin, Base):
    """A browser signed in to the web UI. The cookie carries a random token; only its
    SHA-256 is stored, so a copy of this table signs no one in. `role` is the user's role
    when they signed in: a session whose user changed role (or was deactivated) ends."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Idle sessions end: each request seen moves this forward (at most once a minute).
    expires_time: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(lazy="joined")
