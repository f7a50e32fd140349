"""What hangs off a release besides its own fields: tasks, worklogs, notes, reminders and
associations with changes and projects."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from releasedesk.db.base import Base, BigId, IdMixin, UtcDateTime, unique_index, utcnow
from releasedesk.db.models.users import User


def _release_fk() -> Mapped[int]:
    return mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"), index=True)


def _user_fk() -> Mapped[int | None]:
    return mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))


class ReleaseTask(IdMixin, Base):
    __tablename__ = "release_tasks"

    release_id: Mapped[int] = _release_fk()
    title: Mapped[str] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default="Open")
    owner_id: Mapped[int | None] = _user_fk()
    scheduled_start_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    scheduled_end_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    actual_start_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    actual_end_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    percentage_completion: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = _user_fk()
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])


class ReleaseWorklog(IdMixin, Base):
    __tablename__ = "release_worklogs"

    release_id: Mapped[int] = _release_fk()
    owner_id: Mapped[int | None] = _user_fk()
    description: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    end_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    time_spent_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = _user_fk()
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])


class ReleaseNote(IdMixin, Base):
    __tablename__ = "release_notes"

    release_id: Mapped[int] = _release_fk()
    description: Mapped[str] = mapped_column(Text)
    show_to_requester: Mapped[bool] = mapped_column(Boolean, default=False)
    notify_technician: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = _user_fk()
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_updated_time: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])


class ReleaseReminder(IdMixin, Base):
    __tablename__ = "release_reminders"

    release_id: Mapped[int] = _release_fk()
    summary: Mapped[str] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(30), default="Open")
    created_by_id: Mapped[int | None] = _user_fk()
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])


class ReleaseAssociation(IdMixin, Base):
    """A link from a release to a change or a project, by the other entity's id."""

    __tablename__ = "release_associations"
    __table_args__ = (
        unique_index(
            "ux_release_associations",
            "release_id",
            "kind",
            "ref_id",
            field="id",
            says="that change or project is already associated with the release",
        ),
    )

    release_id: Mapped[int] = mapped_column(BigId, ForeignKey("releases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(250))
    created_by_id: Mapped[int | None] = _user_fk()
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[created_by_id])
