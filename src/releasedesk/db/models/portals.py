"""Portals: the tenants every other row belongs to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from releasedesk.db.base import Base, IdMixin, UtcDateTime, utcnow


class Portal(IdMixin, Base):
    __tablename__ = "portals"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    created_time: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Bumped with every change to the portal's reference data (core/reference).
    reference_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
