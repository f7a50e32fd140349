"""What the v1 API's OpenAPI document says of its operations: plain JSON objects in and out,
RFC 9457 problem details for every error (api/openapi.py builds the document)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from releasedesk.api.openapi import INTEGER, OBJECT, STRING, array_of, nullable, object_with
from releasedesk.api.routes import ApiRoute, DocStyle, Schema
from releasedesk.api.v1.errors import DOCUMENTED_ERRORS
from releasedesk.core.releases import announce
from releasedesk.core.webhooks.names import EVENT_NAMES

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
    " as PT48H, at most a year) and exdates; an UNTIL ending in Z is UTC, any other a"
    " wall-clock time in timezone. Times fall in the years 1900 to 2999.",
    "required": ["name", "reason"],
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "reason": STRING,
        "timezone": {"type": "string", "description": "An IANA zone; UTC when left out"},
        "effect": {"type": "string", "enum": ["block", "warn"]},
        "scope": SCOPE,
        "start": TIME,
        "end": TIME,
        "rrule": {"type": "string", "maxLength": 1000, "examples": ["FREQ=WEEKLY;BYDAY=SA"]},
        "dtstart": {"type": "string", "examples": ["2026-12-05T00:00:00"]},
        "duration": {"type": "string", "maxLength": 40, "examples": ["PT48H"]},
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
# An exception revoked: nothing to answer (404 naming override_id for one to another window).
OVERRIDE_REVOKED: Answers = {204: None}

BOOLEAN: Schema = {"type": "boolean"}
EVENT_NAMES_SCHEMA: Schema = array_of({"type": "string", "enum": list(EVENT_NAMES)})
WEBHOOK_IN: Schema = {
    "type": "object",
    "description": "A create needs url and events; a PATCH any of them.",
    "properties": {
        "url": {
            "type": "string",
            "format": "uri",
            "description": "https:// or http://; its host must resolve to public addresses only"
            " (unless RELEASEDESK_WEBHOOK_ALLOWED_NETWORKS lists them)",
        },
        "events": EVENT_NAMES_SCHEMA,
        "description": STRING,
        "enabled": BOOLEAN,
    },
    "additionalProperties": False,
}
WEBHOOK: Schema = object_with(
    {
        "id": INTEGER,
        "url": STRING,
        "events": EVENT_NAMES_SCHEMA,
        "description": STRING,
        "enabled": BOOLEAN,
        "disabled_reason": nullable(STRING),
        "disabled_on": nullable(TIME),
        "failing_since": nullable(TIME),
        "previous_secret_expires_on": nullable(TIME),
        "created_on": TIME,
        "updated_on": TIME,
    },
    created_by=nullable(INTEGER),
)
WEBHOOK_WITH_SECRET: Schema = {
    **WEBHOOK,
    "required": [*WEBHOOK["required"], "secret"],
    "properties": {
        **WEBHOOK["properties"],
        "secret": {
            "type": "string",
            "description": "whsec_ and base64: the signing secret, given only in this answer",
        },
    },
}
REFERENCE: Schema = nullable(object_with({"id": INTEGER, "name": STRING}))
PERSON: Schema = nullable(object_with({"id": INTEGER, "name": STRING, "email": nullable(STRING)}))
STAGE_OR_STATUS: Schema = object_with({"id": INTEGER, "name": STRING, "internal_name": STRING})
WEBHOOK_RELEASE: Schema = {
    "type": "object",
    "description": "A release as webhook events carry it: neutral names, times in RFC 3339"
    " UTC, references as {id, name}; roles and services when the change loaded them",
    "required": ["id", "uuid", "version", "title", "stage", "status", "in_trash"],
    "properties": {
        "id": INTEGER,
        "uuid": STRING,
        "version": INTEGER,
        "title": STRING,
        "short_description": nullable(STRING),
        "emergency": BOOLEAN,
        "in_trash": BOOLEAN,
        "template": object_with({"id": INTEGER, "name": STRING}),
        "stage": STAGE_OR_STATUS,
        "status": STAGE_OR_STATUS,
        "group": REFERENCE,
        "created_by": PERSON,
        **dict.fromkeys(announce.TIMES, nullable(TIME)),
        **dict.fromkeys(announce.LOOKUPS, REFERENCE),
        "roles": array_of(object_with({"role": STRING, "user": PERSON})),
        "services": array_of(REFERENCE),
    },
}
NAMED_LIST: Schema = array_of(object_with({"id": INTEGER, "name": STRING}))
WEBHOOK_FREEZE_WINDOW: Schema = {
    "type": "object",
    "description": "freeze_window.*: the window (as it was, when deleted). A one_off window has"
    " start and end (UTC); a recurring one its rrule, its dtstart and exdates as wall-clock"
    " times in timezone, and the ISO 8601 duration of each occurrence",
    "required": ["id", "name", "reason", "effect", "timezone", "kind", "scope"],
    "properties": {
        "id": INTEGER,
        "name": STRING,
        "reason": STRING,
        "effect": {"type": "string", "enum": ["block", "warn"]},
        "timezone": STRING,
        "kind": {"type": "string", "enum": ["one_off", "recurring"]},
        "start": TIME,
        "end": TIME,
        "rrule": STRING,
        "dtstart": STRING,
        "duration": STRING,
        "exdates": NAMES,
        "scope": object_with(
            {"services": NAMED_LIST, "release_types": NAMED_LIST, "teams": NAMED_LIST}
        ),
        "created_by": nullable(STRING),
        "created_on": TIME,
        "updated_on": TIME,
    },
}
WEBHOOK_FREEZE_OVERRIDE: Schema = object_with(
    {
        "id": INTEGER,
        "window": object_with({"id": INTEGER, "name": STRING}),
        "release": object_with({"id": INTEGER}),
        "reason": STRING,
        "expires_on": TIME,
        "granted_by": nullable(STRING),
        "granted_on": TIME,
    }
)
WEBHOOK_APPROVAL_LEVEL: Schema = object_with(
    {
        "id": INTEGER,
        "level": INTEGER,
        "name": STRING,
        "stage": object_with({"id": INTEGER, "name": STRING}),
        "status": STRING,
        "waiting_since": nullable(TIME),
        "deadline": nullable(TIME),
    }
)
WEBHOOK_PAYLOAD: Schema = {
    "type": "object",
    "description": "What a webhook POSTs (Standard Webhooks' payload), signed in the"
    " webhook-id, webhook-timestamp and webhook-signature headers",
    "required": ["type", "timestamp", "data"],
    "properties": {
        "type": STRING,
        "timestamp": TIME,
        "data": {
            "type": "object",
            "description": "release.* and approval.* carry release; freeze_window.*"
            " freeze_window; freeze_override.granted freeze_override; approval.escalated"
            " and approval.timed_out (by the approval scheduler: by is null) approval_level,"
            " policy and escalation or timeout",
            "required": ["by"],
            "properties": {
                "release": WEBHOOK_RELEASE,
                "freeze_window": WEBHOOK_FREEZE_WINDOW,
                "freeze_override": WEBHOOK_FREEZE_OVERRIDE,
                "by": {
                    **nullable(object_with({"id": nullable(INTEGER), "name": STRING})),
                    "description": "who did it (id null: the server's operator, by the CLI;"
                    " null: the approval scheduler)",
                },
                "fields": {
                    **NAMES,
                    "description": "release.updated: the fields that changed",
                },
                "previous_stage": STAGE_OR_STATUS,
                "previous_status": STAGE_OR_STATUS,
                "approval": {
                    "type": "object",
                    "description": "approval.requested and approval.decided: the approval",
                },
                "approval_level": {
                    **WEBHOOK_APPROVAL_LEVEL,
                    "description": "approval.escalated and approval.timed_out: the level,"
                    " its status after the action, the wait it was under",
                },
                "policy": {
                    **object_with({"id": INTEGER, "name": STRING}),
                    "description": "the approval policy the level waited under (as copied"
                    " onto it when it was sent)",
                },
                "escalation": {
                    **object_with({"after": nullable(STRING), "added": NAMES, "not_added": NAMES}),
                    "description": "approval.escalated: after how long (ISO 8601), who was"
                    " added and sent the approval, who could not be and why",
                },
                "timeout": {
                    **object_with(
                        {
                            "after": STRING,
                            "action": {"type": "string", "enum": ["reject", "approve", "expire"]},
                            "outcome": {
                                "type": "string",
                                "enum": ["rejected", "approved", "expired"],
                            },
                        }
                    ),
                    "description": "approval.timed_out: after how long (ISO 8601), the"
                    " policy's action and what the level came to",
                },
            },
        },
    },
}
ANSWER: Schema = object_with(
    {
        "status": nullable(INTEGER),
        "duration_ms": nullable(INTEGER),
        "headers": nullable(OBJECT),
        "body": nullable(STRING),
    }
)
ATTEMPT: Schema = object_with(
    {
        "number": INTEGER,
        "attempted_on": TIME,
        "response": ANSWER,
        "request_headers": nullable(OBJECT),
        "error": nullable(STRING),
        "next_attempt_on": nullable(TIME),
    }
)
DELIVERY: Schema = object_with(
    {
        "id": INTEGER,
        "webhook_id": INTEGER,
        "event": object_with(
            {
                "id": INTEGER,
                "webhook_id_header": STRING,
                "type": STRING,
                "payload": WEBHOOK_PAYLOAD,
            }
        ),
        "status": {"type": "string", "enum": ["pending", "succeeded", "failed", "canceled"]},
        "attempts": INTEGER,
        "created_on": TIME,
        "next_attempt_on": nullable(TIME),
        "last_attempt_on": nullable(TIME),
        "delivered_on": nullable(TIME),
        "response": ANSWER,
        "request_headers": nullable(OBJECT),
        "error": nullable(STRING),
        "attempt_log": {
            **array_of(ATTEMPT),
            "description": "Every attempt, oldest first; `response` above is the last's",
        },
    }
)
ROTATE_IN: Schema = {
    "type": "object",
    "properties": {"grace_seconds": {"type": "integer", "minimum": 0, "maximum": 604800}},
    "additionalProperties": False,
}
REDELIVER_IN: Schema = {
    "type": "object",
    "required": ["since"],
    "properties": {"since": TIME, "until": TIME, "failed_only": BOOLEAN},
    "additionalProperties": False,
}
WEBHOOKS: Answers = {200: object_with({"webhooks": array_of(WEBHOOK)})}
WEBHOOK_ONE: Answers = {200: WEBHOOK}
WEBHOOK_MADE: Answers = {201: WEBHOOK_WITH_SECRET}
WEBHOOK_ROTATED: Answers = {200: WEBHOOK_WITH_SECRET}
DELIVERIES: Answers = {200: object_with({"deliveries": array_of(DELIVERY)})}
DELIVERY_ONE: Answers = {200: DELIVERY}
DELIVERY_MADE: Answers = {202: DELIVERY}
REDELIVERED: Answers = {202: object_with({"deliveries": array_of(INTEGER)})}
NUMBER: Schema = {"type": "number"}
DORA_BUCKET: Schema = object_with(
    {
        "start": TIME,
        "end": TIME,
        "value": {**nullable(NUMBER), "description": "null when the bucket holds nothing"},
        "numerator": nullable(INTEGER),
        "denominator": nullable(INTEGER),
        "count": nullable(INTEGER),
        "release_ids": array_of(INTEGER),
    },
    failed_release_ids={
        **array_of(INTEGER),
        "description": "change_failure_rate: the completed releases that failed",
    },
    level={**INTEGER, "description": "approval_wait: the approval level's number"},
)
DORA: Answers = {
    200: {
        **object_with(
            {
                "metric": STRING,
                "interval": STRING,
                "aggregation": STRING,
                "tz": STRING,
                "from": TIME,
                "to": TIME,
                "start": nullable(STRING),
                "unit": {"type": "string", "enum": ["deployments", "seconds", "ratio"]},
                "buckets": array_of(DORA_BUCKET),
            }
        ),
        "description": "With Accept: text/csv, CSV instead: one row per bucket (columns"
        " metric, level, start, end, value, unit, numerator, denominator, count, release_ids,"
        " failed_release_ids; ids joined by ';')",
    }
}


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
    path_parameters=dict.fromkeys(
        ("window_id", "release_id", "webhook_id", "delivery_id", "policy_id"), ID
    ),
)
