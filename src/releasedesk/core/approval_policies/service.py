"""Approval policies: saved by administrators (or the CLI's Operator), every field checked
and a refusal naming it; and which policy applies to a level, the most specific one
(template > stage > portal default), with why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, require_admin
from releasedesk.core.approval_policies import repository
from releasedesk.core.approval_policies.business_hours import (
    HORIZON_DAYS,
    BusinessHours,
    Weekday,
)
from releasedesk.core.approval_policies.views import (
    AppliesTo,
    ApprovalPolicy,
    Escalator,
    Reminder,
    Resolution,
    Target,
    Timeout,
    TimeoutAction,
    hours_json,
    hours_of,
)
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import NO_SUBJECT, AuditActor, AuditKind, actor_of
from releasedesk.core.errors import Invalid, NotFound, NotUnique
from releasedesk.core.freezes.service import Operator
from releasedesk.core.freezes.timing import Duration
from releasedesk.core.names import OrgRole
from releasedesk.core.refs import Ref
from releasedesk.core.text import plain_line
from releasedesk.core.users import service as users
from releasedesk.core.workflow import service as workflow
from releasedesk.core.zones import zone_named
from releasedesk.db.models import ApprovalPolicy as PolicyRow
from releasedesk.db.models import User

Saver = Actor | Operator
NAME_MAX = 200
MOST_REMINDERS = 100
MOST_APPROVALS = 100
MOST_ESCALATORS = 20
MOST_HOLIDAYS = 1000
WORKDAYS = ("MO", "TU", "WE", "TH", "FR")


@dataclass(frozen=True, slots=True)
class ReminderSpec:
    first_after: str | None = None
    every: str | None = None
    max: int | None = None


@dataclass(frozen=True, slots=True)
class TimeoutSpec:
    after: str | None = None
    action: str | None = None
    warn_before: str | None = None


@dataclass(frozen=True, slots=True)
class EscalatorSpec:
    """A user by name (or email), or an organisational role by its path."""

    name: str | None = None
    org_role: str | None = None


@dataclass(frozen=True, slots=True)
class HoursSpec:
    timezone: str | None = None
    days: tuple[str, ...] | None = None
    start: str | None = None
    end: str | None = None
    holidays: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """What a front asks to save: a whole policy (a create or a replace). `stage` or
    `template` name what it applies to; neither, the portal's default."""

    name: str | None
    stage: str | None = None
    template: str | None = None
    reminder: ReminderSpec | None = None
    escalate_after: str | None = None
    escalation_approvers: tuple[EscalatorSpec, ...] = ()
    timeout: TimeoutSpec | None = None
    min_approvals: int | None = None
    forbid_self_approval: bool = False
    business_hours: HoursSpec | None = None


def _may_save(by: Saver, action: str) -> None:
    if isinstance(by, Actor):
        require_admin(by, action)


def _audit_actor(by: Saver) -> AuditActor:
    return actor_of(by) if isinstance(by, Actor) else by.audit_as


# --- reading -------------------------------------------------------------------------------


async def list_policies(session: AsyncSession, actor: Saver) -> list[ApprovalPolicy]:
    return await _views(session, await repository.list_policies(session, actor.portal_id))


async def get_policy(session: AsyncSession, actor: Saver, policy_id: int) -> ApprovalPolicy:
    return (await _views(session, [await _row(session, actor, policy_id)]))[0]


async def find_policy(session: AsyncSession, actor: Saver, name: str) -> ApprovalPolicy:
    row = await repository.find_by_name(session, actor.portal_id, name)
    if row is None:
        raise NotFound(f"No approval policy named '{name}'", "name")
    return (await _views(session, [row]))[0]


# --- saving --------------------------------------------------------------------------------


async def create_policy(session: AsyncSession, actor: Saver, spec: PolicySpec) -> ApprovalPolicy:
    _may_save(actor, "create approval policies")
    now = dt.datetime.now(dt.UTC)
    maker = actor.user_id if isinstance(actor, Actor) else None
    row = PolicyRow(portal_id=actor.portal_id, created_by_id=maker, created_on=now)
    await _fill(session, actor, row, spec, now)
    await repository.insert(session, row)
    await _audit(session, actor, AuditKind.APPROVAL_POLICY_CREATED, row)
    return (await _views(session, [row]))[0]


async def update_policy(
    session: AsyncSession, actor: Saver, policy_id: int, spec: PolicySpec
) -> ApprovalPolicy:
    """A policy replaced whole. Levels already waiting under it keep the snapshot they
    started with; the change applies to levels that start waiting from now on."""
    _may_save(actor, "change approval policies")
    row = await _row(session, actor, policy_id, for_update=True)
    await _fill(session, actor, row, spec, dt.datetime.now(dt.UTC))
    await session.flush()
    await _audit(session, actor, AuditKind.APPROVAL_POLICY_UPDATED, row)
    return (await _views(session, [row]))[0]


async def delete_policy(session: AsyncSession, actor: Saver, policy_id: int) -> None:
    """A policy deleted; levels waiting under it go on under their snapshot."""
    _may_save(actor, "delete approval policies")
    row = await _row(session, actor, policy_id, for_update=True)
    await _audit(session, actor, AuditKind.APPROVAL_POLICY_DELETED, row)
    await repository.remove(session, row)


async def _row(
    session: AsyncSession, actor: Saver, policy_id: int, *, for_update: bool = False
) -> PolicyRow:
    row = await repository.get(session, actor.portal_id, policy_id, for_update=for_update)
    if row is None:
        raise NotFound(f"No approval policy with id '{policy_id}'", "id")
    return row


async def _fill(
    session: AsyncSession, actor: Saver, row: PolicyRow, spec: PolicySpec, now: dt.datetime
) -> None:
    """Check `spec` and write it onto `row`; every refusal names its field as the JSON does."""
    if spec.name is None:
        raise Invalid("'name' is required", "name")
    name = plain_line(spec.name, "name", mandatory=True, max_length=NAME_MAX)
    same_name = await repository.find_by_name(session, actor.portal_id, name)
    if same_name is not None and same_name.id != row.id:
        raise NotUnique(f"An approval policy named '{name}' exists", "name")
    await _fill_target(session, actor, row, spec)
    _fill_reminder(row, spec.reminder)
    await _fill_escalation(session, actor, row, spec)
    _fill_timeout(row, spec.timeout)
    if spec.min_approvals is not None and not 1 <= spec.min_approvals <= MOST_APPROVALS:
        raise Invalid(
            f"'min_approvals' must be a whole number from 1 to {MOST_APPROVALS}", "min_approvals"
        )
    hours = None if spec.business_hours is None else business_hours(spec.business_hours)
    if hours is not None:
        _fit_durations(row, hours, now)
    row.name = name
    row.min_approvals = spec.min_approvals
    row.forbid_self_approval = spec.forbid_self_approval
    row.business_hours = None if hours is None else hours_json(hours)
    row.updated_on = now


async def _fill_target(
    session: AsyncSession, actor: Saver, row: PolicyRow, spec: PolicySpec
) -> None:
    if spec.stage is not None and spec.template is not None:
        raise Invalid("'applies_to' names a stage or a template, not both", "applies_to")
    row.stage_id = row.template_id = None
    if spec.stage is not None:
        if not spec.stage.strip():
            raise Invalid("'applies_to.stage' must name a stage", "applies_to.stage")
        try:
            stage = await workflow.resolve_stage(session, actor.portal_id, Ref(name=spec.stage))
        except Invalid:
            raise Invalid(f"No stage named '{spec.stage}'", "applies_to.stage") from None
        row.applies_to, row.stage_id, row.target = (
            AppliesTo.STAGE.value,
            stage.id,
            f"stage:{stage.id}",
        )
        where = f"stage '{stage.name}'"
    elif spec.template is not None:
        if not spec.template.strip():
            raise Invalid("'applies_to.template' must name a template", "applies_to.template")
        try:
            template_id = await workflow.resolve_template(
                session, actor.portal_id, Ref(name=spec.template)
            )
        except (Invalid, NotUnique) as error:
            raise type(error)(error.message, "applies_to.template") from None
        row.applies_to, row.template_id = AppliesTo.TEMPLATE.value, template_id
        row.target = f"template:{template_id}"
        where = f"template '{spec.template}'"
    else:
        row.applies_to, row.target = AppliesTo.PORTAL.value, AppliesTo.PORTAL.value
        where = "the portal as its default"
    taken = await repository.find_by_target(session, actor.portal_id, row.target)
    if taken is not None and taken.id != row.id:
        raise NotUnique(f"Approval policy '{taken.name}' already applies to {where}", "applies_to")


def _duration(text: str | None, field: str) -> Duration | None:
    return None if text is None else Duration.parse(text, field)


def _fill_reminder(row: PolicyRow, spec: ReminderSpec | None) -> None:
    row.reminder_first_after = row.reminder_every = None
    row.reminder_max = None
    if spec is None:
        return
    first = _duration(spec.first_after, "reminder.first_after")
    every = _duration(spec.every, "reminder.every")
    if first is None and every is None:
        raise Invalid(
            "'reminder' needs 'first_after' (and 'every' to remind again)", "reminder.first_after"
        )
    if spec.max is not None:
        if not 1 <= spec.max <= MOST_REMINDERS:
            raise Invalid(
                f"'reminder.max' must be a whole number from 1 to {MOST_REMINDERS}", "reminder.max"
            )
        if every is None and spec.max > 1:
            raise Invalid(
                "'reminder.max' above 1 needs 'reminder.every': how long between reminders",
                "reminder.every",
            )
    first = first or every
    assert first is not None
    row.reminder_first_after = first.text()
    row.reminder_every = None if every is None else every.text()
    row.reminder_max = spec.max if every is not None else 1


async def _fill_escalation(
    session: AsyncSession, actor: Saver, row: PolicyRow, spec: PolicySpec
) -> None:
    after = _duration(spec.escalate_after, "escalate_after")
    if after is not None and not spec.escalation_approvers:
        raise Invalid(
            "'escalate_after' needs 'escalation_approvers': whom the level escalates to",
            "escalation_approvers",
        )
    if spec.escalation_approvers and after is None:
        raise Invalid(
            "'escalation_approvers' need 'escalate_after': when the level escalates",
            "escalate_after",
        )
    if len(spec.escalation_approvers) > MOST_ESCALATORS:
        raise Invalid(
            f"'escalation_approvers' holds at most {MOST_ESCALATORS}", "escalation_approvers"
        )
    approvers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, given in enumerate(spec.escalation_approvers):
        field = f"escalation_approvers[{index}]"
        if (given.name is None) == (given.org_role is None):
            raise Invalid(f"'{field}' names a user ('name') or an 'org_role', one of them", field)
        if given.org_role is not None:
            try:
                role = OrgRole(given.org_role.strip())
            except ValueError:
                known = ", ".join(r.value for r in OrgRole)
                raise Invalid(
                    f"'{given.org_role}' is not an organisational role: use one of {known}",
                    f"{field}.org_role",
                ) from None
            key = f"role:{role.value}"
            entry: dict[str, Any] = {"org_role": role.value}
        else:
            assert given.name is not None
            user = await _active_user(session, actor.portal_id, given.name, f"{field}.name")
            key, entry = f"user:{user.id}", {"user_id": user.id}
        if key in seen:
            raise NotUnique(f"'{field}' names an escalation approver twice", field)
        seen.add(key)
        approvers.append(entry)
    row.escalate_after = None if after is None else after.text()
    row.escalation_approvers = approvers


async def _active_user(session: AsyncSession, portal_id: int, name: str, field: str) -> User:
    try:
        user = await users.find_user(session, portal_id, name)
    except (NotFound, NotUnique) as error:
        raise Invalid(f"{error.message[:1].upper()}{error.message[1:]}", field) from None
    if not user.is_active:
        raise Invalid(f"'{user.name}' is deactivated", field)
    return user


def _fill_timeout(row: PolicyRow, spec: TimeoutSpec | None) -> None:
    row.timeout_after = row.timeout_action = row.timeout_warn_before = None
    if spec is None:
        return
    if spec.after is None:
        raise Invalid("'timeout' needs 'after': how long a level may wait", "timeout.after")
    after = Duration.parse(spec.after, "timeout.after")
    try:
        action = TimeoutAction(spec.action or TimeoutAction.REJECT.value)
    except ValueError:
        raise Invalid(
            "'timeout.action' must be 'reject', 'approve' or 'expire'", "timeout.action"
        ) from None
    warn = _duration(spec.warn_before, "timeout.warn_before")
    if warn is not None and _length(warn) >= _length(after):
        raise Invalid(
            "'timeout.warn_before' must be shorter than 'timeout.after'", "timeout.warn_before"
        )
    row.timeout_after, row.timeout_action = after.text(), action.value
    row.timeout_warn_before = None if warn is None else warn.text()


def _length(duration: Duration) -> dt.timedelta:
    return duration.days * dt.timedelta(days=1) + duration.exact


def business_hours(spec: HoursSpec) -> BusinessHours:
    """A business-hours calendar from its parts, each checked naming its field."""
    zone = zone_named(spec.timezone or "UTC", "business_hours.timezone")
    days: set[Weekday] = set()
    for day in spec.days if spec.days is not None else WORKDAYS:
        try:
            days.add(Weekday[day.strip().upper()])
        except KeyError:
            raise Invalid(
                f"'{day}' is not a weekday: use MO, TU, WE, TH, FR, SA or SU",
                "business_hours.days",
            ) from None
    if not days:
        raise Invalid("'business_hours.days' needs at least one weekday", "business_hours.days")
    start = _clock(spec.start or "09:00", "business_hours.start")
    end = _clock(spec.end or "17:00", "business_hours.end")
    if end <= start:
        raise Invalid("'business_hours.end' must be after 'start'", "business_hours.end")
    if len(spec.holidays) > MOST_HOLIDAYS:
        raise Invalid(
            f"'business_hours.holidays' holds at most {MOST_HOLIDAYS} dates",
            "business_hours.holidays",
        )
    holidays: set[dt.date] = set()
    for text in spec.holidays:
        try:
            holidays.add(dt.date.fromisoformat(text.strip()))
        except ValueError:
            raise Invalid(
                f"'business_hours.holidays' holds dates such as 2026-12-24, not {text!r}",
                "business_hours.holidays",
            ) from None
    return BusinessHours(zone, frozenset(days), start, end, frozenset(holidays))


def _fit_durations(row: PolicyRow, hours: BusinessHours, now: dt.datetime) -> None:
    """Every duration of the policy must end within the calendar's horizon from now (a
    working hour a week and a duration in hours could otherwise reach decades ahead)."""
    day = hours.day_seconds
    for field, text in (
        ("reminder.first_after", row.reminder_first_after),
        ("reminder.every", row.reminder_every),
        ("escalate_after", row.escalate_after),
        ("timeout.after", row.timeout_after),
    ):
        if text is not None:
            duration = Duration.parse(text, field)
            fits(hours, duration.days * day + int(duration.exact.total_seconds()), field, now)


def fits(hours: BusinessHours, seconds: int, field: str, now: dt.datetime) -> None:
    """Refuse (naming `field`) `seconds` of working time the calendar cannot hold within
    its horizon of `now`."""
    try:
        hours.add(now, seconds)
    except ValueError:
        raise Invalid(
            f"'{field}' is more working time than 'business_hours' holds in the next "
            f"{HORIZON_DAYS // 366} years",
            field,
        ) from None


def _clock(text: str, field: str) -> dt.time:
    try:
        if len(text.strip()) != 5:
            raise ValueError(text)
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            f"'{field}' must be a time of day such as 09:00, not {text!r}", field
        ) from None


# --- which policy applies ------------------------------------------------------------------


async def resolve(
    session: AsyncSession, portal_id: int, template_id: int | None, stage_id: int
) -> Resolution:
    """The policy for a level of `stage_id` in a release of `template_id`: the template's,
    else the stage's, else the portal's default; and why, in words."""
    targets = [f"stage:{stage_id}", AppliesTo.PORTAL.value]
    if template_id is not None:
        targets.insert(0, f"template:{template_id}")
    rows = {r.target: r for r in await repository.for_targets(session, portal_id, targets)}
    template_name = (
        None
        if template_id is None
        else (await repository.template_names(session, [template_id])).get(template_id)
    )
    stage_name = (await repository.stage_names(session, [stage_id])).get(stage_id)
    for target in targets:
        row = rows.get(target)
        if row is None:
            continue
        policy = (await _views(session, [row]))[0]
        if target.startswith("template:"):
            why = f"it applies to the release's template '{template_name}' (the most specific)"
        elif target.startswith("stage:"):
            why = f"it applies to stage '{stage_name}'" + _none_for_template(template_name)
        else:
            why = "it is the portal's default" + _none_for(template_name, stage_name)
        return Resolution(policy, f"Policy '{policy.name}': {why}")
    return Resolution(
        None,
        "No approval policy applies" + _none_for(template_name, stage_name) + " and the "
        "portal has no default",
    )


def _none_for_template(template: str | None) -> str:
    return "" if template is None else f"; none applies to template '{template}'"


def _none_for(template: str | None, stage: str | None) -> str:
    named = [f"template '{template}'"] if template is not None else []
    named.append(f"stage '{stage}'")
    return "; none applies to " + " or ".join(named)


async def changed_since(session: AsyncSession, portal_id: int, kept: ApprovalPolicy) -> str | None:
    """Whether the policy a level keeps was "changed" or "deleted" since it was taken."""
    row = await repository.get(session, portal_id, kept.id)
    if row is None:
        return "deleted"
    return None if row.updated_on == kept.updated_on else "changed"


# --- views ---------------------------------------------------------------------------------


async def _views(session: AsyncSession, rows: Sequence[PolicyRow]) -> list[ApprovalPolicy]:
    stages = await repository.stage_names(session, {r.stage_id for r in rows if r.stage_id})
    templates = await repository.template_names(
        session, {r.template_id for r in rows if r.template_id}
    )
    user_ids = {
        int(e["user_id"]) for r in rows for e in r.escalation_approvers or () if "user_id" in e
    }
    user_ids |= {r.created_by_id for r in rows if r.created_by_id}
    names = await repository.user_names(session, user_ids)
    return [_view(r, stages, templates, names) for r in rows]


def _view(
    row: PolicyRow,
    stages: dict[int, str],
    templates: dict[int, str],
    names: dict[int, str],
) -> ApprovalPolicy:
    kind = AppliesTo(row.applies_to)
    if kind is AppliesTo.STAGE:
        target = Target(kind, row.stage_id, stages.get(row.stage_id or 0))
    elif kind is AppliesTo.TEMPLATE:
        target = Target(kind, row.template_id, templates.get(row.template_id or 0))
    else:
        target = Target(kind)
    reminder = None
    if row.reminder_first_after is not None:
        every = row.reminder_every
        reminder = Reminder(
            Duration.parse(row.reminder_first_after),
            None if every is None else Duration.parse(every),
            row.reminder_max,
        )
    timeout = None
    if row.timeout_after is not None:
        warn = row.timeout_warn_before
        timeout = Timeout(
            Duration.parse(row.timeout_after),
            TimeoutAction(row.timeout_action or TimeoutAction.REJECT.value),
            None if warn is None else Duration.parse(warn),
        )
    escalators = tuple(
        Escalator(org_role=OrgRole(e["org_role"]))
        if "org_role" in e
        else Escalator(user_id=int(e["user_id"]), user_name=names.get(int(e["user_id"])))
        for e in row.escalation_approvers or ()
    )
    return ApprovalPolicy(
        id=row.id,
        name=row.name,
        applies_to=target,
        reminder=reminder,
        escalate_after=None if row.escalate_after is None else Duration.parse(row.escalate_after),
        escalation_approvers=escalators,
        timeout=timeout,
        min_approvals=row.min_approvals,
        forbid_self_approval=row.forbid_self_approval,
        business_hours=None if row.business_hours is None else hours_of(row.business_hours),
        created_by=names.get(row.created_by_id) if row.created_by_id else None,
        created_on=row.created_on,
        updated_on=row.updated_on,
    )


async def _audit(session: AsyncSession, actor: Saver, kind: AuditKind, row: PolicyRow) -> None:
    await audit.record(
        session,
        portal_id=actor.portal_id,
        by=_audit_actor(actor),
        kind=kind,
        subject=NO_SUBJECT,
        detail={"policy": row.name, "id": row.id, "applies_to": row.target},
    )
