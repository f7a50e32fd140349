"""/api/v1/webhooks: outgoing webhook subscriptions (administrators): list, create (the
answer carries the secret, once), read, change, delete, rotate the secret; the delivery log
and redelivery of one delivery or of a time range."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from starlette.responses import Response

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Parameter, Routes
from releasedesk.api.v1 import answers
from releasedesk.api.v1.auth import CurrentActor
from releasedesk.api.v1.freezes import id_of
from releasedesk.api.v1.input import moment, read_object, read_optional_object, refuse_unknown
from releasedesk.api.v1.webhook_wire import changes, created_json, delivery_json, subscription_json
from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.webhooks import service as webhooks
from releasedesk.core.webhooks.config import WebhookConfig

routes = Routes()
MOST_GRACE_SECONDS = int(webhooks.LONGEST_GRACE.total_seconds())

LOG_QUERY = (
    Parameter("limit", "How many (1 to 100; 50 when left out)"),
    Parameter("before", "Only deliveries older than this delivery id (the next page)"),
    Parameter("status", "Only pending, succeeded, failed or canceled deliveries"),
)


def _config(request: Request) -> WebhookConfig:
    config = request.app.state.webhooks
    assert isinstance(config, WebhookConfig)  # set by create_app
    return config


def _id(raw: str) -> int:
    return id_of(raw, "webhook", "webhook_id")


@routes.get("/webhooks", answers=answers.WEBHOOKS)
async def list_webhooks(session: Session, actor: CurrentActor) -> JsonResponse:
    """The portal's webhook subscriptions (never their secrets)."""
    found = await webhooks.list_subscriptions(session, actor)
    return JsonResponse({"webhooks": [subscription_json(s) for s in found]})


@routes.post("/webhooks", answers=answers.WEBHOOK_MADE, body=answers.json_body(answers.WEBHOOK_IN))
async def create_webhook(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """A new subscription; the answer's `secret` is shown this once."""
    spec = changes(await read_object(request))
    made = await webhooks.create_subscription(session, actor, spec, _config(request))
    return JsonResponse(created_json(made), status_code=201)


@routes.get("/webhooks/{webhook_id}", answers=answers.WEBHOOK_ONE)
async def get_webhook(webhook_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    found = await webhooks.get_subscription(session, actor, _id(webhook_id))
    return JsonResponse(subscription_json(found))


@routes.patch(
    "/webhooks/{webhook_id}",
    answers=answers.WEBHOOK_ONE,
    body=answers.json_body(answers.WEBHOOK_IN),
)
async def change_webhook(
    webhook_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Some of a subscription's fields; `enabled: true` enables a disabled one again."""
    spec = changes(await read_object(request))
    found = await webhooks.change_subscription(
        session, actor, _id(webhook_id), spec, _config(request)
    )
    return JsonResponse(subscription_json(found))


@routes.delete("/webhooks/{webhook_id}", answers=answers.GONE)
async def delete_webhook(webhook_id: str, session: Session, actor: CurrentActor) -> Response:
    await webhooks.delete_subscription(session, actor, _id(webhook_id))
    return Response(status_code=204)


@routes.post(
    "/webhooks/{webhook_id}/rotate_secret",
    answers=answers.WEBHOOK_ROTATED,
    body=answers.json_body(answers.ROTATE_IN),
)
async def rotate_secret(
    webhook_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """A new secret, shown this once; the previous one still signs beside it for
    `grace_seconds` (86400 when left out; 0: not at all)."""
    body = await read_optional_object(request)
    refuse_unknown(body, {"grace_seconds"})
    grace = body.get("grace_seconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise WrongType("'grace_seconds' must be a whole number of seconds", "grace_seconds")
    if grace is not None and not 0 <= grace <= MOST_GRACE_SECONDS:  # before any timedelta
        raise Invalid(
            f"'grace_seconds' must be between 0 and {MOST_GRACE_SECONDS} (7 days)", "grace_seconds"
        )
    made = await webhooks.rotate_secret(
        session,
        actor,
        _id(webhook_id),
        _config(request),
        None if grace is None else dt.timedelta(seconds=grace),
    )
    return JsonResponse(created_json(made))


@routes.get("/webhooks/{webhook_id}/deliveries", answers=answers.DELIVERIES, query=LOG_QUERY)
async def list_deliveries(
    webhook_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """The delivery log, newest first: status, attempts, the last answer (status, duration,
    headers with secrets redacted, body up to 64 KB)."""
    query = request.query_params
    limit = query.get("limit", "50")
    if not limit.isdigit() or len(limit) > 4:
        raise Invalid("'limit' must be a whole number from 1 to 100", "limit")
    before = query.get("before")
    if before is not None and (not before.isdigit() or len(before) > 18):
        raise Invalid("'before' must be a delivery id", "before")
    found = await webhooks.list_deliveries(
        session,
        actor,
        _id(webhook_id),
        limit=int(limit),
        before_id=None if before is None else int(before),
        status=query.get("status"),
    )
    return JsonResponse({"deliveries": [delivery_json(d) for d in found]})


@routes.get("/webhooks/{webhook_id}/deliveries/{delivery_id}", answers=answers.DELIVERY_ONE)
async def get_delivery(
    webhook_id: str, delivery_id: str, session: Session, actor: CurrentActor
) -> JsonResponse:
    found = await webhooks.get_delivery(
        session, actor, _id(webhook_id), id_of(delivery_id, "delivery", "delivery_id")
    )
    return JsonResponse(delivery_json(found))


@routes.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", answers=answers.DELIVERY_MADE
)
async def redeliver(
    webhook_id: str, delivery_id: str, session: Session, actor: CurrentActor
) -> JsonResponse:
    """The delivery's event sent again (a new delivery, the same `webhook-id`)."""
    made = await webhooks.redeliver(
        session, actor, _id(webhook_id), id_of(delivery_id, "delivery", "delivery_id")
    )
    return JsonResponse(delivery_json(made), status_code=202)


@routes.post(
    "/webhooks/{webhook_id}/redeliver",
    answers=answers.REDELIVERED,
    body=answers.json_body(answers.REDELIVER_IN),
)
async def redeliver_range(
    webhook_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Every event delivered in [since, until) sent again, each once: those whose delivery
    failed or was canceled, or all with `failed_only: false`."""
    body = await read_object(request)
    refuse_unknown(body, {"since", "until", "failed_only"})
    if "since" not in body:
        raise Invalid("'since' is required", "since")
    since = moment(body["since"], "since")
    until = None if body.get("until") is None else moment(body["until"], "until")
    failed_only = body.get("failed_only", True)
    if not isinstance(failed_only, bool):
        raise WrongType("'failed_only' must be true or false", "failed_only")
    made = await webhooks.redeliver_range(
        session, actor, _id(webhook_id), since, until, failed_only=failed_only
    )
    return JsonResponse({"deliveries": made}, status_code=202)
