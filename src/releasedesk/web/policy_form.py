"""The approval policy form: what was typed, read into the core's `PolicySpec`, and a saved
policy as the form's values again (to edit it).

Only reading happens here: every rule (durations in ISO 8601, a reminder's count, escalation
approvers who exist, a warning shorter than the timeout, a real time zone, hours that end
after they start) is the core's, which names the field at fault; `field_of` puts that name
on the form's field. The form's own share: a whole number typed as one, empty fields left
out, and only the part of "applies to" that was chosen sent."""

from __future__ import annotations

from typing import Any

from releasedesk.core.approval_policies.service import (
    WORKDAYS,
    EscalatorSpec,
    HoursSpec,
    PolicySpec,
    ReminderSpec,
    TimeoutSpec,
)
from releasedesk.core.approval_policies.views import AppliesTo, ApprovalPolicy, TimeoutAction
from releasedesk.web.context import PageContext
from releasedesk.web.forms import FormErrors

TEXT_FIELDS = (
    "name",
    "applies_to",
    "stage",
    "template",
    "reminder_first_after",
    "reminder_every",
    "reminder_max",
    "escalate_after",
    "timeout_after",
    "timeout_action",
    "timeout_warn_before",
    "min_approvals",
    "forbid_self_approval",
    "business_hours",
    "hours_timezone",
    "hours_start",
    "hours_end",
    "hours_holidays",
)
LIST_FIELDS = ("escalation_users", "escalation_roles", "hours_days")
# Where a refusal shows that no field of its own holds (the escalation approvers' parts).
GROUPS = ("escalation_approvers",)
FIELDS = TEXT_FIELDS + LIST_FIELDS + GROUPS
# The core's field names (as the JSON has them) that the form calls otherwise.
CORE_FIELD = {
    "applies_to.stage": "stage",
    "applies_to.template": "template",
    "business_hours": "business_hours",
    "business_hours.timezone": "hours_timezone",
    "business_hours.days": "hours_days",
    "business_hours.start": "hours_start",
    "business_hours.end": "hours_end",
    "business_hours.holidays": "hours_holidays",
}
MAX_HOLIDAYS = 1000  # lines read; the core says the limit itself

Values = dict[str, Any]  # each text field as typed, each list field a list of strings


def field_of(core_field: str | None) -> str | None:
    """The form's field for a field the core names ("reminder.every" is "reminder_every",
    any escalation approver is the escalation fieldset)."""
    if not core_field:
        return None
    if core_field.startswith("escalation_approvers"):
        return "escalation_approvers"
    return CORE_FIELD.get(core_field, core_field.replace(".", "_"))


def blank() -> Values:
    """A new policy's form: the portal's default, reminding nobody, no business hours (whose
    fields offer 9 to 5 on weekdays in UTC once ticked)."""
    values: Values = {name: "" for name in TEXT_FIELDS}
    values.update({name: [] for name in LIST_FIELDS})
    values.update(
        applies_to=AppliesTo.PORTAL.value,
        timeout_action=TimeoutAction.REJECT.value,
        hours_timezone="UTC",
        hours_start="09:00",
        hours_end="17:00",
        hours_days=list(WORKDAYS),
    )
    return values


def typed(ctx: PageContext) -> Values:
    """The form as sent, kept to show again if it is refused."""
    values: Values = {name: ctx.field(name) for name in TEXT_FIELDS}
    raw = ctx.form.get("hours_holidays") if ctx.form is not None else None
    values["hours_holidays"] = raw if isinstance(raw, str) else ""
    values.update({name: ctx.fields(name) for name in LIST_FIELDS})
    return values


def values_of(policy: ApprovalPolicy) -> Values:
    """A saved policy as the form shows it."""
    values = blank()
    target = policy.applies_to
    values.update(name=policy.name, applies_to=target.kind.value)
    if target.kind is AppliesTo.STAGE:
        values["stage"] = target.name or ""
    elif target.kind is AppliesTo.TEMPLATE:
        values["template"] = target.name or ""
    if policy.reminder is not None:
        values["reminder_first_after"] = policy.reminder.first_after.text()
        values["reminder_every"] = _text(policy.reminder.every)
        if policy.reminder.every is not None and policy.reminder.max is not None:
            values["reminder_max"] = str(policy.reminder.max)
    values["escalate_after"] = _text(policy.escalate_after)
    values["escalation_users"] = [
        e.user_name for e in policy.escalation_approvers if e.user_name is not None
    ]
    values["escalation_roles"] = [
        e.org_role.value for e in policy.escalation_approvers if e.org_role is not None
    ]
    if policy.timeout is not None:
        values["timeout_after"] = policy.timeout.after.text()
        values["timeout_action"] = policy.timeout.action.value
        values["timeout_warn_before"] = _text(policy.timeout.warn_before)
    values["min_approvals"] = "" if policy.min_approvals is None else str(policy.min_approvals)
    values["forbid_self_approval"] = "yes" if policy.forbid_self_approval else ""
    hours = policy.business_hours
    if hours is not None:
        values.update(
            business_hours="yes",
            hours_timezone=hours.zone.key,
            hours_days=[d.name for d in sorted(hours.days)],
            hours_start=hours.start.strftime("%H:%M"),
            hours_end=hours.end.strftime("%H:%M"),
            hours_holidays="\n".join(d.isoformat() for d in sorted(hours.holidays)),
        )
    return values


def spec_of(values: Values, errors: FormErrors) -> PolicySpec | None:
    """What the core is asked to save; None (with `errors` said) when a whole number is not
    one."""
    reminder_max = _whole(values, "reminder_max", errors)
    min_approvals = _whole(values, "min_approvals", errors)
    if errors:
        return None
    kind = values["applies_to"] or AppliesTo.PORTAL.value
    reminder = None
    if values["reminder_first_after"] or values["reminder_every"] or reminder_max is not None:
        reminder = ReminderSpec(
            _given(values["reminder_first_after"]), _given(values["reminder_every"]), reminder_max
        )
    timeout = None
    if values["timeout_after"] or values["timeout_warn_before"]:
        timeout = TimeoutSpec(
            _given(values["timeout_after"]),
            values["timeout_action"] or TimeoutAction.REJECT.value,
            _given(values["timeout_warn_before"]),
        )
    escalators = tuple(EscalatorSpec(name=n) for n in values["escalation_users"] if n)
    escalators += tuple(EscalatorSpec(org_role=r) for r in values["escalation_roles"] if r)
    hours = None
    if values["business_hours"]:
        holidays = [line.strip() for line in values["hours_holidays"].splitlines()]
        hours = HoursSpec(
            timezone=values["hours_timezone"].strip() or None,
            days=tuple(values["hours_days"]),
            start=values["hours_start"].strip() or None,
            end=values["hours_end"].strip() or None,
            holidays=tuple(h for h in holidays if h)[: MAX_HOLIDAYS + 1],
        )
    return PolicySpec(
        name=values["name"],
        stage=(values["stage"] or "") if kind == AppliesTo.STAGE.value else None,
        template=(values["template"] or "") if kind == AppliesTo.TEMPLATE.value else None,
        reminder=reminder,
        escalate_after=_given(values["escalate_after"]),
        escalation_approvers=escalators,
        timeout=timeout,
        min_approvals=min_approvals,
        forbid_self_approval=bool(values["forbid_self_approval"]),
        business_hours=hours,
    )


def _given(text: str) -> str | None:
    return text.strip() or None


def _whole(values: Values, name: str, errors: FormErrors) -> int | None:
    text = values[name].strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        errors.add(name, "Enter a whole number, such as 2")
        return None
    return int(text)


def _text(duration: Any) -> str:
    return "" if duration is None else str(duration.text())
