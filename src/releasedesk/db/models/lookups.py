"""Reference data: one small table per kind, all sharing LookupBase's columns."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from releasedesk.db.base import Base, BigId, IdMixin, PortalMixin, unique_index


class LookupBase(IdMixin, PortalMixin, Base):
    """A named value of one kind in one portal; names are matched case-insensitively and
    unique (any case) in the portal, or under the parent for kinds that have one."""

    __abstract__ = True
    has_parent: ClassVar[bool] = False

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        table = cls.__tablename__
        says = f"that name is already taken in {table.replace('_', ' ')}"
        if not cls.has_parent:
            name = f"ux_{table}_portal_lower_name"
            return (unique_index(name, "portal_id", text("lower(name)"), field="name", says=says),)
        # The same name under two parents is fine (Install under Windows and under Linux).
        return (
            Index(f"ix_{table}_portal_lower_name", "portal_id", text("lower(name)")),
            unique_index(
                f"ux_{table}_parent_lower_name",
                "parent_id",
                text("lower(name)"),
                field="name",
                says=f"{says} under that parent",
            ),
        )


class Priority(LookupBase):
    __tablename__ = "priorities"
    color: Mapped[str | None] = mapped_column(String(20))


class Impact(LookupBase):
    __tablename__ = "impacts"


class Urgency(LookupBase):
    __tablename__ = "urgencies"


class Risk(LookupBase):
    __tablename__ = "risks"


class ReleaseType(LookupBase):
    __tablename__ = "release_types"
    color: Mapped[str | None] = mapped_column(String(20))
    pre_approved: Mapped[bool] = mapped_column(Boolean, default=False)


class Category(LookupBase):
    __tablename__ = "categories"


class Subcategory(LookupBase):
    __tablename__ = "subcategories"
    has_parent = True
    parent_id: Mapped[int] = mapped_column(BigId, ForeignKey("categories.id", ondelete="CASCADE"))
    parent: Mapped[Category] = relationship(lazy="joined")


class Item(LookupBase):
    __tablename__ = "items"
    has_parent = True
    parent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subcategories.id", ondelete="CASCADE")
    )
    parent: Mapped[Subcategory] = relationship(lazy="joined")


class Site(LookupBase):
    __tablename__ = "sites"


class SupportGroup(LookupBase):
    __tablename__ = "support_groups"
    site_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sites.id", ondelete="SET NULL"))
    site: Mapped[Site | None] = relationship(lazy="joined")


class Service(LookupBase):
    __tablename__ = "services"


class Department(LookupBase):
    __tablename__ = "departments"


class ClosureCode(LookupBase):
    __tablename__ = "closure_codes"


class ReleaseRole(LookupBase):
    """A role a user can hold on a release; user_type ALL (anyone) or SGT (technicians)."""

    __tablename__ = "release_roles"
    internal_name: Mapped[str] = mapped_column(String(100))
    user_type: Mapped[str] = mapped_column(String(10), default="ALL")
    prominent: Mapped[bool] = mapped_column(Boolean, default=False)


LOOKUP_MODELS: dict[str, type[LookupBase]] = {
    "priority": Priority,
    "impact": Impact,
    "urgency": Urgency,
    "risk": Risk,
    "release_type": ReleaseType,
    "category": Category,
    "subcategory": Subcategory,
    "item": Item,
    "site": Site,
    "group": SupportGroup,
    "service": Service,
    "department": Department,
    "closure_code": ClosureCode,
    "release_role": ReleaseRole,
}
