"""Approval policies as the v1 API's JSON, both ways, exactly the shape issue 23 gives:
`{"name", "applies_to": {} | {"stage"} | {"template"}, "reminder": {"first_after", "every",
"max"}, "escalate_after", "escalation_approvers": [{"name"} | {"org_role"}], "timeout":
{"after", "action", "warn_before"}, "min_approvals", "forbid_self_approval",
"business_hours": null | {"timezone", "days", "start", "end", "holidays"}}` plus `"id"` in
an answer. Types are checked here, naming the field; what the values mean, in the core."""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasedesk.api.v1.input import refuse_unknown
from releasedesk.core.approval_policies.service import (
    EscalatorSpec,
    HoursSpec,
    PolicySpec,
    ReminderSpec,
    TimeoutSpec,
)
from releasedesk.core.approval_policies.views import (
    AppliesTo,
    ApprovalPolicy,
    LevelPolicy,
    hours_json,
)
from releasedesk.core.errors import WrongType

POLICY_KEYS = {
    "name",
    "applies_to",
    "reminder",
    "escalate_after",
    "escalation_approvers",
    "timeout",
    "min_approvals",
    "forbid_self_approval",
    "business_hours",
}


def policy_spec(body: dict[str, Any]) -> PolicySpec:
    """A policy's JSON (all of it: a create or a PUT) as what the core saves."""
    refuse_unknown(body, POLICY_KEYS)
    applies_to = _object(body, "applies_to", {"stage", "template"}) or {}
    reminder = _object(body, "reminder", {"first_after", "every", "max"})
    timeout = _object(body, "timeout", {"after", "action", "warn_before"})
    hours = _object(body, "business_hours", {"timezone", "days", "start", "end", "holidays"})
    approvers = body.get("escalation_approvers")
    if approvers is None:
        approvers = []
    if not isinstance(approvers, list):
        raise WrongType(
            '\'escalation_approvers\' must be a list of {"name"} or {"org_role"}',
            "escalation_approvers",
        )
    escalators = []
    for index, given in enumerate(approvers):
        field = f"escalation_approvers[{index}]"
        if not isinstance(given, dict):
            raise WrongType(f'\'{field}\' must be {{"name"}} or {{"org_role"}}', field)
        refuse_unknown(given, {"name", "org_role"}, f"{field}.")
        escalators.append(
            EscalatorSpec(_string(given, "name", field), _string(given, "org_role", field))
        )
    forbid = body.get("forbid_self_approval", False)
    if forbid is None:
        forbid = False
    if not isinstance(forbid, bool):
        raise WrongType("'forbid_self_approval' must be true or false", "forbid_self_approval")
    return PolicySpec(
        name=_string(body, "name"),
        stage=_string(applies_to, "stage", "applies_to"),
        template=_string(applies_to, "template", "applies_to"),
        reminder=None
        if reminder is None
        else ReminderSpec(
            _string(reminder, "first_after", "reminder"),
            _string(reminder, "every", "reminder"),
            _whole(reminder, "max", "reminder"),
        ),
        escalate_after=_string(body, "escalate_after"),
        escalation_approvers=tuple(escalators),
        timeout=None
        if timeout is None
        else TimeoutSpec(
            _string(timeout, "after", "timeout"),
            _string(timeout, "action", "timeout"),
            _string(timeout, "warn_before", "timeout"),
        ),
        min_approvals=_whole(body, "min_approvals"),
        forbid_self_approval=forbid,
        business_hours=None
        if hours is None
        else HoursSpec(
            _string(hours, "timezone", "business_hours"),
            _strings(hours, "days", "business_hours"),
            _string(hours, "start", "business_hours"),
            _string(hours, "end", "business_hours"),
            _strings(hours, "holidays", "business_hours") or (),
        ),
    )


def policy_body(policy: ApprovalPolicy) -> dict[str, Any]:
    """A policy's JSON without its id (what a PATCH changes parts of)."""
    target = policy.applies_to
    applies_to: dict[str, Any] = {}
    if target.kind is AppliesTo.STAGE:
        applies_to = {"stage": target.name}
    elif target.kind is AppliesTo.TEMPLATE:
        applies_to = {"template": target.name}
    reminder, timeout = policy.reminder, policy.timeout
    return {
        "name": policy.name,
        "applies_to": applies_to,
        "reminder": None
        if reminder is None
        else {
            "first_after": reminder.first_after.text(),
            "every": None if reminder.every is None else reminder.every.text(),
            "max": reminder.max,
        },
        "escalate_after": None if policy.escalate_after is None else policy.escalate_after.text(),
        "escalation_approvers": [
            {"org_role": e.org_role.value} if e.org_role is not None else {"name": e.user_name}
            for e in policy.escalation_approvers
        ],
        "timeout": None
        if timeout is None
        else {
            "after": timeout.after.text(),
            "action": timeout.action.value,
            "warn_before": None if timeout.warn_before is None else timeout.warn_before.text(),
        },
        "min_approvals": policy.min_approvals,
        "forbid_self_approval": policy.forbid_self_approval,
        "business_hours": None
        if policy.business_hours is None
        else hours_json(policy.business_hours),
    }


def policy_json(policy: ApprovalPolicy) -> dict[str, Any]:
    return {"id": policy.id, **policy_body(policy)}


def level_policy_json(found: LevelPolicy) -> dict[str, Any]:
    """One level's policy as the release's approval_policies answer shows it."""

    def moment(value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "level": {"id": found.level_id, "level": found.level, "name": found.level_name},
        "stage": found.stage,
        "status": found.status,
        "policy": None if found.policy is None else policy_json(found.policy),
        "why": found.why,
        "waiting": found.waiting,
        "changed_since": found.changed_since,
        "waiting_since": moment(found.waiting_since),
        "deadline": moment(found.deadline),
        "next_reminder": moment(found.next_reminder),
        "scheduled": [
            {
                "kind": a.kind.value,
                "sequence": a.sequence,
                "due_at": a.due_at.isoformat(),
                "done_on": moment(a.done_on),
                "outcome": a.outcome,
            }
            for a in found.actions
        ],
    }


def _object(body: dict[str, Any], key: str, known: set[str]) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise WrongType(f"'{key}' must be an object or null", key)
    refuse_unknown(value, known, f"{key}.")
    return value


def _string(body: dict[str, Any], key: str, within: str = "") -> str | None:
    field = f"{within}.{key}" if within else key
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise WrongType(f"'{field}' must be a string", field)
    return value


def _strings(body: dict[str, Any], key: str, within: str) -> tuple[str, ...] | None:
    field = f"{within}.{key}"
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WrongType(f"'{field}' must be a list of strings", field)
    if len(value) > 1000:
        raise WrongType(f"'{field}' holds at most 1,000 strings", field)
    return tuple(value)


def _whole(body: dict[str, Any], key: str, within: str = "") -> int | None:
    field = f"{within}.{key}" if within else key
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise WrongType(f"'{field}' must be a whole number", field)
    return value
