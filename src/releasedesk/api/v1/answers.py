"""What the v1 API's OpenAPI document says of its operations: plain JSON objects in and out,
RFC 9457 problem details for every error (api/openapi.py builds the document)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasedesk.api.openapi import INTEGER, OBJECT, STRING, array_of, nullable, object_with
from releasedesk.api.routes import ApiRoute, DocStyle, Schema
from releasedesk.api.v1.errors import DOCUMENTED_ERRORS

Answers = Mapping[int, Schema | None]
TIME: Schema = {"type": "string", "format": "date-time"}
NAMES: Schema = array_of(STRING)
SCOPE: Schema = {
    "type": "object",
    "description": "{} for every release, else releases touching one of these",
    "properties": {"services": NAMES, "release_types": NAMES, "teams": NAMES},
    "additionalProperties": False,
}
SPAN: Schema = object_with({"start": TIME, "end": TIME})
WINDOW_IN: Schema = {
    "type": "object",
    "description": "One-off: start and end (RFC 3339 with an offset). Recurring: rrule (an"
    " RFC 5545 RRULE value), dtstart (a wall-clock time in timezone), duration (ISO 8601, such"
    " as PT48H) and exdates.",
    "required": ["name", "reason"],
    "properties": {
        "name": STRING,
        "reason": STRING,
        "timezone": {"type": "string", "description": "An IANA zone; UTC when left out"},
        "effect": {"type": "string", "enum": ["block", "warn"]},
        "scope": SCOPE,
        "start": TIME,
        "end": TIME,
        "rrule": {"type": "string", "examples": ["FREQ=WEEKLY;BYDAY=SA"]},
        "dtstart": {"type": "string", "examples": ["2026-12-05T00:00:00"]},
        "duration": {"type": "string", "examples": ["PT48H"]},
        "exdates": array_of(STRING),
    },
    "additionalProperties": False,
}
WINDOW: Schema = {
    **WINDOW_IN,
    "required": ["id", "name", "reason", "timezone", "effect", "scope", "next_occurrences"],
    "properties": {
        **WINDOW_IN["properties"],
        "id": INTEGER,
        "next_occurrences": array_of(SPAN),
        "created_by": nullable(STRING),
        "created_on": TIME,
        "updated_on": TIME,
    },
}
OVERRIDE: Schema = object_with(
    {
        "id": INTEGER,
        "window": object_with({"id": INTEGER, "name": STRING}),
        "release_id": INTEGER,
        "reason": STRING,
        "expires_on": TIME,
    },
    granted_by=nullable(STRING),
    granted_on=TIME,
)
OVERRIDE_IN: Schema = object_with({"release_id": INTEGER, "reason": STRING, "expires_on": TIME})

ONE: Answers = {200: WINDOW}
CREATED: Answers = {201: WINDOW}
MANY: Answers = {200: object_with({"freeze_windows": array_of(WINDOW)})}
GONE: Answers = {204: None}
AFFECTED: Answers = {
    200: object_with(
        {
            "releases": array_of(
                object_with(
                    {
                        "id": INTEGER,
                        "title": STRING,
                        "overridden": {"type": "boolean"},
                        "scheduled": SPAN,
                    }
                )
            )
        }
    )
}
NULLABLE_SPAN: Schema = object_with({"start": nullable(TIME), "end": nullable(TIME)})
CONFLICTS: Answers = {
    200: object_with(
        {
            "release_id": INTEGER,
            "scheduled": NULLABLE_SPAN,
            "releases": array_of(
                object_with(
                    {
                        "id": INTEGER,
                        "title": STRING,
                        "scheduled": NULLABLE_SPAN,
                        "shared": array_of(object_with({"kind": STRING, "name": STRING})),
                    }
                )
            ),
            "freeze_windows": array_of(
                object_with(
                    {"id": INTEGER, "name": STRING, "effect": STRING, "start": TIME, "end": TIME}
                )
            ),
        }
    )
}
SLOTS: Answers = {200: object_with({"slots": array_of(SPAN), "reason": nullable(STRING)})}
FEED_TOKEN: Answers = {201: object_with({"token": STRING, "url": STRING})}
OVERRIDE_MADE: Answers = {201: OVERRIDE}
OVERRIDES: Answers = {200: object_with({"overrides": array_of(OVERRIDE)})}


DURATION: Schema = {
    "type": "string",
    "description": "ISO 8601, down to a second, such as PT4H or P2D; counted in business"
    " hours when the policy has them (a business day is one working day's hours)",
    "examples": ["PT4H"],
}
POLICY_IN: Schema = {
    "type": "object",
    "description": "An approval policy; every part but name optional. applies_to: {} for the"
    ' portal\'s default, {"stage": name} or {"template": name}; the most specific wins.',
    "required": ["name"],
    "properties": {
        "name": STRING,
        "applies_to": {
            "type": "object",
            "properties": {"stage": STRING, "template": STRING},
            "additionalProperties": False,
        },
        "reminder": nullable(
            {
                "type": "object",
                "properties": {
                    "first_after": DURATION,
                    "every": nullable(DURATION),
                    "max": nullable(INTEGER),
                },
                "additionalProperties": False,
            }
        ),
        "escalate_after": nullable(DURATION),
        "escalation_approvers": array_of(
            {
                "type": "object",
                "properties": {"name": STRING, "org_role": STRING},
                "additionalProperties": False,
            }
        ),
        "timeout": nullable(
            {
                "type": "object",
                "properties": {
                    "after": DURATION,
                    "action": {"type": "string", "enum": ["reject", "approve", "expire"]},
                    "warn_before": nullable(DURATION),
                },
                "additionalProperties": False,
            }
        ),
        "min_approvals": nullable(INTEGER),
        "forbid_self_approval": {"type": "boolean"},
        "business_hours": nullable(
            {
                "type": "object",
                "properties": {
                    "timezone": STRING,
                    "days": array_of(
                        {"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]}
                    ),
                    "start": {"type": "string", "examples": ["09:00"]},
                    "end": {"type": "string", "examples": ["17:00"]},
                    "holidays": array_of({"type": "string", "format": "date"}),
                },
                "additionalProperties": False,
            }
        ),
    },
    "additionalProperties": False,
}
POLICY_OUT: Schema = {
    **POLICY_IN,
    "required": ["id", *POLICY_IN["required"]],
    "properties": {**POLICY_IN["properties"], "id": INTEGER},
}
POLICY: Answers = {200: POLICY_OUT}
POLICY_MADE: Answers = {201: POLICY_OUT}
POLICIES: Answers = {200: object_with({"approval_policies": array_of(POLICY_OUT)})}
LEVEL_POLICY: Schema = object_with(
    {
        "level": object_with({"id": INTEGER, "level": INTEGER, "name": STRING}),
        "stage": STRING,
        "status": STRING,
        "policy": nullable(POLICY_OUT),
        "why": STRING,
        "waiting": {"type": "boolean"},
        "changed_since": nullable({"type": "string", "enum": ["changed", "deleted"]}),
        "waiting_since": nullable(TIME),
        "deadline": nullable(TIME),
        "next_reminder": nullable(TIME),
        "scheduled": array_of(
            object_with(
                {
                    "kind": {
                        "type": "string",
                        "enum": ["reminder", "escalation", "timeout_warning", "timeout"],
                    },
                    "sequence": INTEGER,
                    "due_at": TIME,
                    "done_on": nullable(TIME),
                    "outcome": nullable(STRING),
                }
            )
        ),
    }
)
LEVEL_POLICIES: Answers = {200: object_with({"levels": array_of(LEVEL_POLICY)})}


def json_body(schema: Schema) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def errors(_route: ApiRoute) -> Mapping[int | str, dict[str, Any]]:
    return DOCUMENTED_ERRORS


ID: Schema = {"type": "string", "pattern": "^[0-9]+$"}
DOC = DocStyle(
    parameters=(),
    write_body=json_body(OBJECT),
    errors=errors,
    path_parameters=dict.fromkeys(("window_id", "release_id", "policy_id"), ID),
)
