"""releasedesk policy add | list | remove: approval policies from the server's shell (the same
rules as /api/v1/approval_policies; audited as `cli:<os user>`)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import cli_actor, echo_table
from releasedesk.core.approval_policies import service as policies
from releasedesk.core.approval_policies.service import (
    EscalatorSpec,
    HoursSpec,
    PolicySpec,
    ReminderSpec,
    TimeoutSpec,
)
from releasedesk.core.approval_policies.views import AppliesTo, ApprovalPolicy
from releasedesk.core.freezes.service import Operator
from releasedesk.core.portals import service as portals
from releasedesk.settings import DEFAULT_PORTAL

policy_app = typer.Typer(
    help="Approval policies: reminders, escalation, timeouts, N of M, business hours.",
    no_args_is_help=True,
)

PortalOption = Annotated[str, typer.Option("--portal", help="The portal.")]
Duration = Annotated[str | None, typer.Option(help="ISO 8601, such as PT4H or P2D.")]


async def _operator(session: AsyncSession, portal: str) -> Operator:
    found = await portals.get_portal(session, portal)
    return Operator(found.id, cli_actor())


@policy_app.command("add")
def policy_add(
    name: str,
    stage: Annotated[str | None, typer.Option(help="Applies to this stage's levels.")] = None,
    template: Annotated[
        str | None, typer.Option(help="Applies to releases of this template.")
    ] = None,
    remind_after: Duration = None,
    remind_every: Duration = None,
    remind_max: Annotated[int | None, typer.Option(help="At most this many reminders.")] = None,
    escalate_after: Duration = None,
    escalate_to: Annotated[
        list[str] | None, typer.Option(help="A user's name to escalate to (repeatable).")
    ] = None,
    escalate_to_role: Annotated[
        list[str] | None,
        typer.Option(help="An org role to escalate to, e.g. release_requester.reporting_to."),
    ] = None,
    timeout_after: Duration = None,
    timeout_action: Annotated[
        str | None, typer.Option(help="reject (default), approve or expire.")
    ] = None,
    warn_before: Duration = None,
    min_approvals: Annotated[int | None, typer.Option(help="N of M: at least N approvals.")] = None,
    forbid_self_approval: Annotated[
        bool, typer.Option("--forbid-self-approval", help="Requester and creator may not approve.")
    ] = False,
    timezone: Annotated[
        str | None, typer.Option(help="Count in business hours in this IANA zone.")
    ] = None,
    days: Annotated[str | None, typer.Option(help="Working days, e.g. MO,TU,WE,TH,FR.")] = None,
    hours: Annotated[str | None, typer.Option(help="Working hours, e.g. 09:00-17:00.")] = None,
    holiday: Annotated[
        list[str] | None, typer.Option(help="A date not worked (repeatable).")
    ] = None,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Add an approval policy: the portal's default, or a stage's (--stage) or a release
    template's (--template); the most specific applies to a level."""
    calendar = None
    if timezone or days or hours or holiday:
        start, _, end = (hours or "").partition("-")
        calendar = HoursSpec(
            timezone=timezone,
            days=None if days is None else tuple(d for d in days.split(",") if d),
            start=start or None,
            end=end or None,
            holidays=tuple(holiday or ()),
        )
    spec = PolicySpec(
        name=name,
        stage=stage,
        template=template,
        reminder=None
        if remind_after is None and remind_every is None
        else ReminderSpec(remind_after, remind_every, remind_max),
        escalate_after=escalate_after,
        escalation_approvers=(
            *(EscalatorSpec(name=n) for n in escalate_to or ()),
            *(EscalatorSpec(org_role=r) for r in escalate_to_role or ()),
        ),
        timeout=None
        if timeout_after is None and timeout_action is None
        else TimeoutSpec(timeout_after, timeout_action, warn_before),
        min_approvals=min_approvals,
        forbid_self_approval=forbid_self_approval,
        business_hours=calendar,
    )

    async def action(session: AsyncSession) -> ApprovalPolicy:
        return await policies.create_policy(session, await _operator(session, portal), spec)

    made = run_in_transaction(action)
    typer.echo(f"approval policy {made.id} '{made.name}' added ({_target(made)})")


def _target(policy: ApprovalPolicy) -> str:
    target = policy.applies_to
    if target.kind is AppliesTo.PORTAL:
        return "the portal's default"
    return f"{target.kind.value} {target.name}"


def _summary(policy: ApprovalPolicy) -> str:
    parts = []
    if policy.reminder is not None:
        every = policy.reminder.every
        parts.append(
            f"remind after {policy.reminder.first_after.text()}"
            + ("" if every is None else f" then every {every.text()} (max {policy.reminder.max})")
        )
    if policy.escalate_after is not None:
        parts.append(f"escalate after {policy.escalate_after.text()}")
    if policy.timeout is not None:
        parts.append(f"{policy.timeout.action.value} after {policy.timeout.after.text()}")
    if policy.min_approvals is not None:
        parts.append(f"at least {policy.min_approvals} approvals")
    if policy.forbid_self_approval:
        parts.append("no self-approval")
    if policy.business_hours is not None:
        parts.append(f"business hours ({policy.business_hours.zone.key})")
    return "; ".join(parts) or "-"


@policy_app.command("list")
def policy_list(portal: PortalOption = DEFAULT_PORTAL) -> None:
    """List the portal's approval policies: id, name, where it applies, what it does."""

    async def action(session: AsyncSession) -> list[ApprovalPolicy]:
        return await policies.list_policies(session, await _operator(session, portal))

    rows = [
        (str(p.id), p.name, _target(p), _summary(p))
        for p in run_in_transaction(action, writes=False)
    ]
    echo_table(("id", "name", "applies to", "does"), rows)


@policy_app.command("remove")
def policy_remove(policy_id: int, portal: PortalOption = DEFAULT_PORTAL) -> None:
    """Remove an approval policy; levels waiting under it keep the policy they started with."""

    async def action(session: AsyncSession) -> None:
        await policies.delete_policy(session, await _operator(session, portal), policy_id)

    run_in_transaction(action)
    typer.echo(f"approval policy {policy_id} removed")
