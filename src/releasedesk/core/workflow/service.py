"""Templates, stages and statuses: resolve references and the defaults of a new release.

Each answers from the reference data the process holds for the portal's version
(core/reference) when it can, else from the database (the same answers, the same order).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid, NotUnique
from releasedesk.core.reference import service as reference
from releasedesk.core.reference.views import fold
from releasedesk.core.refs import Ref
from releasedesk.core.workflow import repository
from releasedesk.core.workflow.views import Stage, Status

NO_DEFAULT_TEMPLATE = "this portal has no default release template"
NO_STAGES = "this portal has no release stages"


async def resolve_template(session: AsyncSession, portal_id: int, ref: Ref | None) -> int:
    """The id of the named template, or of the portal's default one when none is given."""
    held = await reference.workflow(session, portal_id)
    if ref is None:
        template_id = (
            held.default_template()
            if held is not None
            else await repository.default_template(session, portal_id)
        )
        if template_id is None:
            raise Invalid(NO_DEFAULT_TEMPLATE, "template")
        return template_id
    if ref.id is not None:
        found = (
            held.template(ref.id)
            if held is not None
            else await repository.get_template(session, portal_id, ref.id)
        )
        if found is None:
            raise Invalid(f"No template with id '{ref.id}'", "template")
        return found
    name = ref.name_or_fail("template")
    folded = fold(name)
    ids = (
        held.templates_named(folded)
        if held is not None and folded is not None
        else await repository.find_templates(session, portal_id, name)
    )
    if not ids:
        raise Invalid(f"No template named '{name}'", "template")
    if len(ids) > 1:
        raise NotUnique(f"More than one template is named '{name}'", "template")
    return ids[0]


async def resolve_stage(session: AsyncSession, portal_id: int, ref: Ref) -> Stage:
    """A stage by id, display name or internal name (any case)."""
    held = await reference.workflow(session, portal_id)
    if ref.id is not None:
        stage = (
            held.stage(ref.id)
            if held is not None
            else await repository.get_stage(session, portal_id, ref.id)
        )
    else:
        name = ref.name_or_fail("stage")
        folded = fold(name)
        stage = (
            held.stage_named(folded)
            if held is not None and folded is not None
            else await repository.find_stage(session, portal_id, name)
        )
    if stage is None:
        raise Invalid(f"No stage '{ref.describe()}'", "stage")
    return stage


async def resolve_status(session: AsyncSession, portal_id: int, stage: Stage, ref: Ref) -> Status:
    """A status of `stage`; a status of another stage is refused."""
    held = await reference.workflow(session, portal_id)
    if ref.id is not None:
        status = (
            held.status(ref.id)
            if held is not None
            else await repository.get_status(session, portal_id, ref.id)
        )
        if status is not None and status.stage_id != stage.id:
            raise Invalid(
                f"Status '{status.name}' does not belong to stage '{stage.name}'", "status"
            )
    else:
        name = ref.name_or_fail("status")
        folded = fold(name)
        status = (
            held.status_named(stage.id, folded)
            if held is not None and folded is not None
            else await repository.find_status(session, stage.id, name)
        )
    if status is None:
        raise Invalid(f"No status '{ref.describe()}' in stage '{stage.name}'", "status")
    return status


async def first_stage(session: AsyncSession, portal_id: int) -> Stage:
    held = await reference.workflow(session, portal_id)
    stage = (
        held.first_stage() if held is not None else await repository.first_stage(session, portal_id)
    )
    if stage is None:
        raise Invalid(NO_STAGES, "stage")
    return stage


def no_statuses(stage: Stage) -> Invalid:
    return Invalid(f"stage '{stage.name}' has no statuses", "status")


async def default_status(
    session: AsyncSession, stage: Stage, portal_id: int | None = None
) -> Status:
    """The status a release takes on entering `stage`: its first one (Requested, In Progress…).
    With `portal_id` (the stage's portal), from the held reference data."""
    held = None if portal_id is None else await reference.workflow(session, portal_id)
    if held is not None:
        status = next(iter(held.statuses_of(stage.id)), None)
    else:
        status = await repository.first_status(session, stage.id)
    if status is None:
        raise no_statuses(stage)
    return status


async def list_stages(session: AsyncSession, portal_id: int) -> list[Stage]:
    """The portal's stages in workflow order, as views."""
    held = await reference.workflow(session, portal_id)
    if held is not None:
        return [s.stage for s in held.stages]
    return await repository.stages(session, portal_id)


async def list_statuses(session: AsyncSession, portal_id: int) -> list[Status]:
    """The portal's statuses, stage by stage in workflow order (each names its stage)."""
    held = await reference.workflow(session, portal_id)
    if held is not None:
        return [s.status for s in held.statuses]
    return await repository.statuses(session, portal_id)


async def list_templates(session: AsyncSession, portal_id: int) -> list[tuple[int, str]]:
    """(id, name) of the portal's release templates by name, for a choice of one (the held
    reference data keeps only folded names, so this reads the database)."""
    return await repository.templates(session, portal_id)
