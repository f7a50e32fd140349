"""All SQL about portals and the reference data they start with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.portals import reference_data as ref
from releasedesk.db.models import (
    Category,
    ClosureCode,
    Department,
    Impact,
    Item,
    Portal,
    Priority,
    ReleaseRole,
    ReleaseStage,
    ReleaseStatus,
    ReleaseTemplate,
    ReleaseType,
    Risk,
    Service,
    Site,
    Subcategory,
    SupportGroup,
    Urgency,
    User,
    Workflow,
)
from releasedesk.db.text_search import same_text


async def get_by_name(session: AsyncSession, name: str) -> Portal | None:
    result = await session.execute(select(Portal).where(same_text(Portal.name, name)))
    return result.scalar_one_or_none()


async def list_all(session: AsyncSession) -> list[Portal]:
    return list((await session.execute(select(Portal).order_by(Portal.id))).scalars())


async def insert(session: AsyncSession, name: str, display_name: str) -> Portal:
    portal = Portal(name=name, display_name=display_name)
    session.add(portal)
    await session.flush()
    return portal


def _internal(name: str) -> str:
    return name.lower().replace(" ", "_")


async def insert_reference_data(session: AsyncSession, portal_id: int) -> None:
    """Lay down the default workflow, stages, statuses, lookups and users of a new portal."""
    p = portal_id
    workflow = Workflow(portal_id=p, name=ref.WORKFLOW_NAME, type="General", validated=True)
    session.add(workflow)
    await session.flush()
    session.add(
        ReleaseTemplate(
            portal_id=p, name=ref.TEMPLATE_NAME, workflow_id=workflow.id, is_default=True
        )
    )
    for index, spec in enumerate(ref.STAGES, start=1):
        stage = ReleaseStage(
            portal_id=p,
            name=spec.name,
            internal_name=spec.internal_name,
            stage_index=index,
            description=spec.description,
        )
        session.add(stage)
        await session.flush()
        session.add_all(
            ReleaseStatus(
                portal_id=p,
                stage_id=stage.id,
                name=name,
                internal_name=_internal(name),
                status_type=status_type,
            )
            for name, status_type in spec.statuses
        )
    await session.flush()
    session.add_all(Priority(portal_id=p, name=n, color=c) for n, c in ref.PRIORITIES)
    session.add_all(Impact(portal_id=p, name=n) for n in ref.IMPACTS)
    session.add_all(Urgency(portal_id=p, name=n) for n in ref.URGENCIES)
    session.add_all(Risk(portal_id=p, name=n) for n in ref.RISKS)
    session.add_all(
        ReleaseType(portal_id=p, name=n, color=c, pre_approved=pre)
        for n, c, pre in ref.RELEASE_TYPES
    )
    session.add_all(Service(portal_id=p, name=n) for n in ref.SERVICES)
    session.add_all(Department(portal_id=p, name=n) for n in ref.DEPARTMENTS)
    session.add_all(ClosureCode(portal_id=p, name=n) for n in ref.CLOSURE_CODES)
    session.add_all(
        ReleaseRole(portal_id=p, name=n, internal_name=i, user_type=t, prominent=pr)
        for n, i, t, pr in ref.RELEASE_ROLES
    )
    sites = [Site(portal_id=p, name=n) for n in ref.SITES]
    session.add_all(sites)
    session.add_all(SupportGroup(portal_id=p, name=n) for n in ref.SUPPORT_GROUPS)
    await _insert_category_tree(session, p)
    session.add_all(User(portal_id=p, name=n, role=role) for n, role in ref.DEFAULT_USERS)
    await session.flush()


async def _insert_category_tree(session: AsyncSession, portal_id: int) -> None:
    # Breadth first, so ids grow per level as in the vendor's samples.
    categories = [Category(portal_id=portal_id, name=name) for name, _ in ref.CATEGORY_TREE]
    session.add_all(categories)
    await session.flush()
    subcategories: list[tuple[Subcategory, tuple[str, ...]]] = []
    for category, (_, subs) in zip(categories, ref.CATEGORY_TREE, strict=True):
        for sub_name, items in subs:
            sub = Subcategory(portal_id=portal_id, name=sub_name, parent_id=category.id)
            session.add(sub)
            subcategories.append((sub, items))
    await session.flush()
    for sub, items in subcategories:
        session.add_all(Item(portal_id=portal_id, name=n, parent_id=sub.id) for n in items)
    await session.flush()
