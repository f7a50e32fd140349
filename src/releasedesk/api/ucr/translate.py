"""UCR JSON to core changes and core views to UCR JSON, in the three formats (`detail`,
`list`, `name`). Pure functions: no I/O."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from releasedesk.api.ucr.fields import RELEASE_FIELDS
from releasedesk.api.ucr.input import JsonValue
from releasedesk.api.ucr.validation import parse
from releasedesk.api.ucr.wire import IdRef, LifecycleModelIn, MilestoneIn, ReleaseIn
from releasedesk.api.wire_values import datetime_to_epoch_ms, epoch_ms_to_datetime
from releasedesk.core.errors import Invalid, ReleaseDeskError, WrongType
from releasedesk.core.lifecycle.views import LifecycleModel, NewLifecycleModel, PhaseModel
from releasedesk.core.lifecycle.views import PhaseModelIn as CorePhaseModelIn
from releasedesk.core.plans import ids
from releasedesk.core.plans.views import Milestone, Phase, PlanChanges, PlannedRelease
from releasedesk.core.plans.views import MilestoneIn as CoreMilestoneIn
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.teams.views import Team
from releasedesk.core.text import html_to_plain_text, text_to_html

Json = dict[str, JsonValue]

# The most releases one create may make: they are made in one transaction, holding the
# database's write lock until the last is made, so a request may not hold it for long. At
# ~14-17 ms a release on SQLite, 500 keep it under SQLite's 10 s busy timeout (1,000 did
# not), so another writer waits rather than failing.
MAX_CREATE = 500


class Format(StrEnum):
    DETAIL = "detail"
    LIST = "list"
    NAME = "name"

    @classmethod
    def of(cls, value: str | None) -> Format:
        """The format asked for; none, or one UCR does not know, is `detail`."""
        try:
            return cls((value or "").strip().lower())
        except ValueError:
            return cls.DETAIL


def uuid_of(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise Invalid(f"'{value}' is not an id (a UUID) for '{field}'", field) from None


def parse_release(payload: JsonValue) -> ReleaseIn:
    if not isinstance(payload, dict):
        raise WrongType("A release must be a JSON object", "body")
    return parse(ReleaseIn, payload)


def parse_releases(payload: JsonValue) -> tuple[list[PlanChanges], bool]:
    """The elements of a create (one object or an array) in core terms, and whether it was
    an array; a bad element fails the whole request, naming its index."""
    if not isinstance(payload, list):
        return [release_to_core(parse_release(payload))], False
    if len(payload) > MAX_CREATE:
        raise Invalid(
            f"A create takes at most {MAX_CREATE} releases; this one has {len(payload)}: "
            "send them in several requests",
            "body",
        )
    parsed: list[PlanChanges] = []
    for index, element in enumerate(payload):
        try:
            parsed.append(release_to_core(parse_release(element)))
        except ReleaseDeskError as error:
            raise error.at(index) from None
    return parsed, True


def _ref_uuid(ref: IdRef, field: str) -> uuid.UUID:
    return uuid_of(ref.id, f"{field}.id")


def _milestone(index: int, given: MilestoneIn) -> CoreMilestoneIn:
    field = f"milestones[{index}]"
    return CoreMilestoneIn(
        name=given.name,
        date=epoch_ms_to_datetime(given.date, f"{field}.date"),
        uuid=None if given.id is None else uuid_of(given.id, f"{field}.id"),
    )


def release_to_core(given: ReleaseIn) -> PlanChanges:
    """The fields the client set, in core terms (UCR `name` is the core's `title`, the
    plain-text description is stored as HTML)."""
    sent = given.model_fields_set
    values: dict[str, object] = {}
    if "name" in sent:
        values[RELEASE_FIELDS["name"]] = given.name
    if "description" in sent:
        values[RELEASE_FIELDS["description"]] = (
            None if given.description is None else text_to_html(given.description)
        )
    plan_given: set[str] = set()
    lifecycle_model = team = None
    if "lifecycle_model" in sent:
        plan_given.add("lifecycle_model")
        if given.lifecycle_model is not None:
            lifecycle_model = _ref_uuid(given.lifecycle_model, "lifecycleModel")
    if "team" in sent:
        plan_given.add("team")
        if given.team is not None:
            team = _ref_uuid(given.team, "team")
    milestones: tuple[CoreMilestoneIn, ...] = ()
    if "milestones" in sent:
        plan_given.add("milestones")
        milestones = tuple(_milestone(i, m) for i, m in enumerate(given.milestones or ()))
    return PlanChanges(
        release=ReleaseChanges.of(**values),
        lifecycle_model=lifecycle_model,
        team=team,
        milestones=milestones,
        given=frozenset(plan_given),
    )


def lifecycle_model_to_core(given: LifecycleModelIn) -> NewLifecycleModel:
    return NewLifecycleModel(
        name=given.name,
        description=given.description,
        phases=tuple(CorePhaseModelIn(p.name, p.description) for p in given.phases),
    )


def _ms(value: dt.datetime | None) -> int:
    return 0 if value is None else datetime_to_epoch_ms(value)


def team_json(team: Team, full: bool = False) -> Json:
    body: Json = {"id": str(team.uuid), "name": team.name}
    if full:
        body.update(
            description=team.description,
            ghostedDate=0,
            version=team.version,
            dateCreated=_ms(team.created_time),
        )
    return body


def phase_model_json(phase: PhaseModel) -> Json:
    return {
        "indexOrder": phase.index_order,
        "name": phase.name,
        "description": phase.description,
        "ghostedDate": 0,
        "id": str(phase.uuid),
        "version": phase.version,
        "dateCreated": _ms(phase.created_time),
    }


def lifecycle_model_json(model: LifecycleModel, with_phases: bool = False) -> Json:
    body: Json = {
        "name": model.name,
        "description": model.description,
        "ghostedDate": 0,
        "id": str(model.uuid),
        "version": model.version,
        "dateCreated": _ms(model.created_time),
    }
    if with_phases:
        body["phases"] = [phase_model_json(p) for p in model.phases]
    return body


def _creator_id(planned: PlannedRelease) -> str | None:
    creator = planned.release.created_by
    return None if creator is None else str(ids.user_uuid(planned.release.portal_id, creator.id))


def _base_application(planned: PlannedRelease) -> Json:
    """The suite application every UCR release has, named after it; derived, not stored."""
    release, team = planned.release, planned.plan.team
    return {
        "level": "SUITE",
        "automated": False,
        "targets": [],
        "tasks": [],
        "createdByUserId": _creator_id(planned),
        "name": release.title,
        "ghostedDate": 0,
        "id": str(ids.base_application_uuid(release.uuid)),
        "version": 0,
        "dateCreated": _ms(release.created_time),
        "versions": [],
        "teams": [] if team is None else [team_json(team)],
        "releaseEnvironments": [],
    }


def _deployment_plan(planned: PlannedRelease) -> Json:
    created = _ms(planned.release.created_time)
    return {
        "name": "Default Plan",
        "lastRefresh": created,
        "ghostedDate": 0,
        "id": str(ids.deployment_plan_uuid(planned.release.uuid)),
        "version": 0,
        "dateCreated": created,
    }


def _phase_json(planned: PlannedRelease, phase: Phase, plan_json: Json) -> Json:
    return {
        "phaseModel": phase_model_json(phase.model),
        "approvals": [],
        "deploymentPlan": plan_json,
        "ghostedDate": _ms(planned.release.deleted_time),
        "id": str(phase.uuid),
        "version": phase.version,
        "dateCreated": _ms(phase.created_time),
        "environments": [],
        "reservations": [],
        "hasEdit": planned.can_edit,
        "name": phase.model.name,
    }


def _milestone_json(milestone: Milestone) -> Json:
    return {
        "id": str(milestone.uuid),
        "name": milestone.name,
        "date": _ms(milestone.date),
        "ghostedDate": 0,
        "dateCreated": _ms(milestone.created_time),
    }


def release_json(planned: PlannedRelease, form: Format = Format.DETAIL) -> Json:
    """A release in the format asked for, keys in the order of the spec's sample."""
    release, plan = planned.release, planned.plan
    if form is Format.NAME:
        return {"id": str(release.uuid), "name": release.title}
    body: Json = {
        "lifecycleModel": None
        if plan.lifecycle_model is None
        else lifecycle_model_json(plan.lifecycle_model),
        "baseApplication": _base_application(planned),
    }
    if form is Format.DETAIL:
        deployment_plan = _deployment_plan(planned)
        body["phases"] = [_phase_json(planned, p, deployment_plan) for p in plan.phases]
    body.update(
        milestones=[_milestone_json(m) for m in plan.milestones],
        exemptions=[],
        createdByUserId=_creator_id(planned),
        name=release.title,
        description=html_to_plain_text(release.description),
        ghostedDate=_ms(release.deleted_time),
        id=str(release.uuid),
        version=release.version,
        dateCreated=_ms(release.created_time),
        hasEdit=planned.can_edit,
        applications=[],
        team=None if plan.team is None else team_json(plan.team),
    )
    if form is Format.LIST:
        body["totalChanges"] = plan.total_changes
    return body
