"""Templates, stages and statuses: resolve references and the defaults of a new release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid, NotUnique, WrongType
from releasedesk.core.lookups.service import reference_id
from releasedesk.core.workflow import repository
from releasedesk.db.models import ReleaseStage, ReleaseStatus, ReleaseTemplate


def _name(ref: Mapping[str, Any], field: str) -> str:
    name = ref.get("name")
    if name is None:
        raise Invalid(f"'{field}' needs an id or a name", field)
    if not isinstance(name, str):
        raise WrongType(f"'{field}' name must be a string", field)
    return name


async def resolve_template(
    session: AsyncSession, portal_id: int, ref: Mapping[str, Any] | None
) -> ReleaseTemplate:
    """The named template, or the portal's default one when none is given."""
    if ref is None:
        template = await repository.default_template(session, portal_id)
        if template is None:
            raise Invalid("this portal has no default release template", "template")
        return template
    template_id = reference_id(ref.get("id"), "template")
    if template_id is not None:
        found = await repository.get_template(session, portal_id, template_id)
        if found is None:
            raise Invalid(f"No template with id '{template_id}'", "template")
        return found
    name = _name(ref, "template")
    rows = await repository.find_templates(session, portal_id, name)
    if not rows:
        raise Invalid(f"No template named '{name}'", "template")
    if len(rows) > 1:
        raise NotUnique(f"More than one template is named '{name}'", "template")
    return rows[0]


async def resolve_stage(
    session: AsyncSession, portal_id: int, ref: Mapping[str, Any]
) -> ReleaseStage:
    """A stage by id, display name or internal name (any case)."""
    stage_id = reference_id(ref.get("id"), "stage")
    if stage_id is not None:
        stage = await repository.get_stage(session, portal_id, stage_id)
    else:
        stage = await repository.find_stage(session, portal_id, _name(ref, "stage"))
    if stage is None:
        raise Invalid(f"No stage '{ref.get('id') or ref.get('name')}'", "stage")
    return stage


async def resolve_status(
    session: AsyncSession, portal_id: int, stage: ReleaseStage, ref: Mapping[str, Any]
) -> ReleaseStatus:
    """A status of `stage`; a status of another stage is refused."""
    status_id = reference_id(ref.get("id"), "status")
    if status_id is not None:
        status = await repository.get_status(session, portal_id, status_id)
        if status is not None and status.stage_id != stage.id:
            raise Invalid(
                f"Status '{status.name}' does not belong to stage '{stage.name}'", "status"
            )
    else:
        status = await repository.find_status(session, stage.id, _name(ref, "status"))
    if status is None:
        raise Invalid(
            f"No status '{ref.get('id') or ref.get('name')}' in stage '{stage.name}'", "status"
        )
    return status


async def first_stage(session: AsyncSession, portal_id: int) -> ReleaseStage:
    stages = await repository.stages(session, portal_id)
    if not stages:
        raise Invalid("this portal has no release stages", "stage")
    return stages[0]


async def default_status(session: AsyncSession, stage: ReleaseStage) -> ReleaseStatus:
    """The status a release takes on entering `stage`: its first one (Requested, In Progress…)."""
    statuses = await repository.statuses_of(session, stage.id)
    if not statuses:
        raise Invalid(f"stage '{stage.name}' has no statuses", "status")
    return statuses[0]


async def list_stages(session: AsyncSession, portal_id: int) -> Sequence[ReleaseStage]:
    return await repository.stages(session, portal_id)
