"""Lifecycle models: the Default Lifecycle every portal has, and the ones admins add."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.errors import Invalid, NotFound, NotUnique
from releasedesk.core.lifecycle import defaults, repository
from releasedesk.core.lifecycle.views import LifecycleModel, NewLifecycleModel
from releasedesk.core.text import plain_line


async def insert_defaults(session: AsyncSession, portal_id: int) -> None:
    """The Default Lifecycle with its five phase models, for a new portal."""
    await repository.insert_model(
        session,
        portal_id,
        model_uuid=defaults.DEFAULT_LIFECYCLE_UUID,
        name=defaults.DEFAULT_LIFECYCLE_NAME,
        description=defaults.DEFAULT_LIFECYCLE_DESCRIPTION,
        phases=[(p.uuid, p.name, p.description) for p in defaults.DEFAULT_PHASES],
        created_time=defaults.BUILT_IN_TIME,
    )


async def list_models(session: AsyncSession, actor: Actor) -> list[LifecycleModel]:
    return await repository.list_models(session, actor.portal_id)


async def get_model(
    session: AsyncSession, actor: Actor, model_uuid: uuid.UUID, field: str = "id"
) -> LifecycleModel:
    """A lifecycle model of the caller's portal by its UUID (NotFound naming `field`)."""
    found = await repository.find_by_uuid(session, actor.portal_id, model_uuid)
    if found is None:
        raise NotFound(f"No lifecycle model with id '{model_uuid}'", field)
    return found


async def resolve_model(
    session: AsyncSession, actor: Actor, model_uuid: uuid.UUID | None, field: str
) -> LifecycleModel:
    """The model a new release names (the Default Lifecycle when it names none); a model
    that does not exist is the client's mistake in `field` (Invalid, not NotFound)."""
    wanted = defaults.DEFAULT_LIFECYCLE_UUID if model_uuid is None else model_uuid
    found = await repository.find_by_uuid(session, actor.portal_id, wanted)
    if found is None:
        raise Invalid(f"No lifecycle model with id '{wanted}'", field)
    return found


async def add_model(session: AsyncSession, actor: Actor, new: NewLifecycleModel) -> LifecycleModel:
    """A new lifecycle model with its phases in the order given (admins only)."""
    require_admin(actor, "add lifecycle models")
    name = plain_line(new.name, "name", mandatory=True)
    if await repository.name_taken(session, actor.portal_id, name):
        raise NotUnique(f"A lifecycle model named '{name}' exists", "name")
    phases: list[tuple[uuid.UUID, str, str | None]] = []
    seen: set[str] = set()
    for index, phase in enumerate(new.phases):
        field = f"phases[{index}].name"
        phase_name = plain_line(phase.name, field, mandatory=True)
        if phase_name.lower() in seen:
            raise NotUnique(f"The lifecycle model has two phases named '{phase_name}'", field)
        seen.add(phase_name.lower())
        phases.append((uuid.uuid4(), phase_name, phase.description))
    model_id = await repository.insert_model(
        session,
        actor.portal_id,
        model_uuid=uuid.uuid4(),
        name=name,
        description=new.description,
        phases=phases,
        created_time=dt.datetime.now(dt.UTC),
    )
    return (await repository.models_by_id(session, [model_id]))[model_id]
