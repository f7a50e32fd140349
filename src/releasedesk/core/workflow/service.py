"""Templates, stages and statuses: resolve references and the defaults of a new release."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid, NotUnique
from releasedesk.core.refs import Ref
from releasedesk.core.workflow import repository
from releasedesk.core.workflow.views import Stage, Status

NO_DEFAULT_TEMPLATE = "this portal has no default release template"
NO_STAGES = "this portal has no release stages"


async def resolve_template(session: AsyncSession, portal_id: int, ref: Ref | None) -> int:
    """The id of the named template, or of the portal's default one when none is given."""
    if ref is None:
        template_id = await repository.default_template(session, portal_id)
        if template_id is None:
            raise Invalid(NO_DEFAULT_TEMPLATE, "template")
        return template_id
    if ref.id is not None:
        found = await repository.get_template(session, portal_id, ref.id)
        if found is None:
            raise Invalid(f"No template with id '{ref.id}'", "template")
        return found
    name = ref.name_or_fail("template")
    ids = await repository.find_templates(session, portal_id, name)
    if not ids:
        raise Invalid(f"No template named '{name}'", "template")
    if len(ids) > 1:
        raise NotUnique(f"More than one template is named '{name}'", "template")
    return ids[0]


async def resolve_stage(session: AsyncSession, portal_id: int, ref: Ref) -> Stage:
    """A stage by id, display name or internal name (any case)."""
    if ref.id is not None:
        stage = await repository.get_stage(session, portal_id, ref.id)
    else:
        stage = await repository.find_stage(session, portal_id, ref.name_or_fail("stage"))
    if stage is None:
        raise Invalid(f"No stage '{ref.describe()}'", "stage")
    return stage


async def resolve_status(session: AsyncSession, portal_id: int, stage: Stage, ref: Ref) -> Status:
    """A status of `stage`; a status of another stage is refused."""
    if ref.id is not None:
        status = await repository.get_status(session, portal_id, ref.id)
        if status is not None and status.stage_id != stage.id:
            raise Invalid(
                f"Status '{status.name}' does not belong to stage '{stage.name}'", "status"
            )
    else:
        status = await repository.find_status(session, stage.id, ref.name_or_fail("status"))
    if status is None:
        raise Invalid(f"No status '{ref.describe()}' in stage '{stage.name}'", "status")
    return status


async def first_stage(session: AsyncSession, portal_id: int) -> Stage:
    stage = await repository.first_stage(session, portal_id)
    if stage is None:
        raise Invalid(NO_STAGES, "stage")
    return stage


def no_statuses(stage: Stage) -> Invalid:
    return Invalid(f"stage '{stage.name}' has no statuses", "status")


async def default_status(session: AsyncSession, stage: Stage) -> Status:
    """The status a release takes on entering `stage`: its first one (Requested, In Progress…)."""
    status = await repository.first_status(session, stage.id)
    if status is None:
        raise no_statuses(stage)
    return status


async def list_stages(session: AsyncSession, portal_id: int) -> list[Stage]:
    """The portal's stages in workflow order, as views."""
    return await repository.stages(session, portal_id)


async def list_statuses(session: AsyncSession, portal_id: int) -> list[Status]:
    """The portal's statuses, stage by stage in workflow order (each names its stage)."""
    return await repository.statuses(session, portal_id)
