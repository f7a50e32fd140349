"""Who a user reports to and who heads a department: what the organisational roles of an
approval (`release_requester.reporting_to`, `release_requester.department.head`) name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import repository
from releasedesk.core.errors import Invalid
from releasedesk.core.lookups import service as lookups
from releasedesk.core.refs import Ref
from releasedesk.core.users import service as users
from releasedesk.db.models import DepartmentHead, ReportingLine


async def set_reporting_to(
    session: AsyncSession, portal_id: int, login: str, manager: str | None
) -> None:
    """`login` reports to `manager` (None: to nobody)."""
    user = await users.find_user(session, portal_id, login)
    line = await repository.reporting_line(session, user.id)
    if manager is None:
        if line is not None:
            await repository.remove(session, line)
        return
    boss = await users.find_user(session, portal_id, manager)
    if boss.id == user.id:
        raise Invalid(f"'{user.name}' cannot report to themselves", "reporting_to")
    if line is None:
        await repository.add(
            session, ReportingLine(portal_id=portal_id, user_id=user.id, manager_id=boss.id)
        )
    else:
        line.manager_id = boss.id
        await session.flush()


async def set_department_head(
    session: AsyncSession, portal_id: int, department: str, head: str | None
) -> None:
    """`head` heads `department` (None: nobody does)."""
    row = await lookups.resolve(
        session, portal_id, "department", Ref(name=department), field="department"
    )
    current = await repository.department_head(session, row.id)
    if head is None:
        if current is not None:
            await repository.remove(session, current)
        return
    user = await users.find_user(session, portal_id, head)
    if current is None:
        await repository.add(
            session, DepartmentHead(portal_id=portal_id, department_id=row.id, head_id=user.id)
        )
    else:
        current.head_id = user.id
        await session.flush()
