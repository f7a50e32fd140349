"""Webhooks (administrators only): the portal's subscriptions, made, changed, enabled or
disabled, their secret rotated and deleted; a subscription's delivery log with redelivery of
one delivery or of the failed ones since a moment. Every rule is the core's
(core/webhooks/service.py), the functions /api/v1/webhooks calls: this page reads the form,
calls them and puts their refusals (a private address, an unknown event) beside the field.

A secret is shown once, in the answer to the POST that made or rotated it, as the API keys
page shows a new key: never through a redirect, a cookie or a URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.errors import NotFound, ReleaseDeskError
from releasedesk.core.webhooks import service as webhooks
from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.core.webhooks.names import EVENT_NAMES
from releasedesk.core.webhooks.service import DESCRIPTION_MAX, SubscriptionChanges
from releasedesk.core.webhooks.views import Created, Delivery, DeliveryStatus
from releasedesk.web.context import PageContext, Rerender, WebState, page
from releasedesk.web.forms import PAGE_REFUSALS, FormErrors, datetime_field

FIELDS = ("url", "events", "description")
REDELIVER_FIELDS = ("since",)
LOG_PAGE = 20
BODY_SHOWN = 2000  # of a response body, on the page (the API gives all it kept)
# Refusals that are the page's, not the form's: not allowed, the subscription gone.
STATUS_WORDS = {
    DeliveryStatus.PENDING: "Pending",
    DeliveryStatus.SUCCEEDED: "Succeeded",
    DeliveryStatus.FAILED: "Failed",
    DeliveryStatus.CANCELED: "Canceled",
}
Values = dict[str, object]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _config(ctx: PageContext) -> WebhookConfig:
    state: WebState = ctx.request.app.state.web
    return state.webhooks


def _number(raw: str, what: str, field: str) -> int:
    """An id from the address; anything but a number names none (404)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
        raise NotFound(f"No {what} with id '{raw[:40]}'", field)
    return int(raw)


def _webhook_id(ctx: PageContext) -> int:
    return _number(str(ctx.request.path_params["webhook_id"]), "webhook", "webhook_id")


def _grace_words(config: WebhookConfig) -> str:
    hours = config.rotation_grace / dt.timedelta(hours=1)
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def _words(ctx: PageContext) -> Values:
    return {
        "event_names": EVENT_NAMES,
        "status_words": STATUS_WORDS,
        "description_max": DESCRIPTION_MAX,
        "grace": _grace_words(_config(ctx)),
        "body_shown": BODY_SHOWN,
    }


def _read(ctx: PageContext) -> Values:
    """The subscription form as typed (kept when refused)."""
    return {
        "url": ctx.field("url"),
        "events": ctx.fields("events"),
        "description": ctx.field("description"),
    }


def _changes(values: Values) -> SubscriptionChanges:
    events = values["events"]
    assert isinstance(events, list)
    return SubscriptionChanges(
        url=str(values["url"]) or None,
        events=tuple(events),
        description=str(values["description"]),
    )


def _refused(error: ReleaseDeskError) -> bool:
    return error.kind not in PAGE_REFUSALS


# --- the list and the new subscription's form ------------------------------------------------


async def _list(
    ctx: PageContext,
    *,
    errors: FormErrors | None = None,
    values: Values | None = None,
    issued: Created | None = None,
) -> Response:
    found = await webhooks.list_subscriptions(ctx.session, ctx.me)
    return ctx.render(
        "webhooks/list.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        values=values or {"url": "", "events": [], "description": ""},
        webhooks=found,
        issued=issued,
        **_words(ctx),
    )


@page
async def webhook_list(ctx: PageContext) -> Response:
    """The Webhooks page; anyone but an administrator gets the core's refusal as a 403."""
    return await _list(ctx)


@page
async def create_webhook(ctx: PageContext) -> Response:
    """A new subscription; the answer shows its secret, once."""
    values = _read(ctx)
    errors = FormErrors()
    if not values["url"]:
        errors.add("url", "Enter the URL the events are posted to")
    if not values["events"]:
        errors.add("events", "Choose at least one event")
    if errors:
        return await _list(ctx, errors=errors, values=values)
    try:
        made = await webhooks.create_subscription(
            ctx.session, ctx.me, _changes(values), _config(ctx)
        )
    except ReleaseDeskError as error:
        if not _refused(error):
            raise
        raise Rerender(
            lambda fresh, e: _list(fresh, errors=FormErrors.of(e, FIELDS), values=values), error
        ) from error
    return await _list(ctx, issued=made)


# --- one subscription: its settings and delivery log ----------------------------------------


async def _one(
    ctx: PageContext,
    webhook_id: int,
    *,
    errors: FormErrors | None = None,
    values: Values | None = None,
    since: str = "",
    issued: Created | None = None,
) -> Response:
    subscription = await webhooks.get_subscription(ctx.session, ctx.me, webhook_id)
    before = ctx.query("before")
    before_id = int(before) if before.isascii() and before.isdigit() and len(before) < 18 else None
    log: list[Delivery] = await webhooks.list_deliveries(
        ctx.session, ctx.me, webhook_id, limit=LOG_PAGE + 1, before_id=before_id
    )
    older = log[LOG_PAGE - 1].id if len(log) > LOG_PAGE else None
    return ctx.render(
        "webhooks/one.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        values=values
        or {
            "url": subscription.url,
            "events": list(subscription.events),
            "description": subscription.description,
        },
        since=since,
        webhook=subscription,
        issued=issued,
        deliveries=log[:LOG_PAGE],
        older=older,
        paged=before_id is not None,
        now=_now(),
        **_words(ctx),
    )


@page
async def webhook_page(ctx: PageContext) -> Response:
    return await _one(ctx, _webhook_id(ctx))


@page
async def change_webhook(ctx: PageContext) -> Response:
    """The URL, events and description saved (the core checks the URL again)."""
    webhook_id = _webhook_id(ctx)
    values = _read(ctx)
    errors = FormErrors()
    if not values["url"]:
        errors.add("url", "Enter the URL the events are posted to")
    if not values["events"]:
        errors.add("events", "Choose at least one event")
    if errors:
        return await _one(ctx, webhook_id, errors=errors, values=values)
    try:
        await webhooks.change_subscription(
            ctx.session, ctx.me, webhook_id, _changes(values), _config(ctx)
        )
    except ReleaseDeskError as error:
        if not _refused(error):
            raise
        raise Rerender(
            lambda fresh, e: _one(
                fresh, webhook_id, errors=FormErrors.of(e, FIELDS), values=values
            ),
            error,
        ) from error
    return ctx.redirect(f"webhooks/{webhook_id}", flash="The webhook's settings were saved.")


async def _switch(ctx: PageContext, enabled: bool) -> Response:
    webhook_id = _webhook_id(ctx)
    await webhooks.change_subscription(
        ctx.session, ctx.me, webhook_id, SubscriptionChanges(enabled=enabled), _config(ctx)
    )
    said = (
        "The webhook was enabled: new events are sent to it again. Redeliver what it missed below."
        if enabled
        else "The webhook was disabled: nothing more is sent to it, and what was waiting to"
        " go was canceled."
    )
    return ctx.redirect(f"webhooks/{webhook_id}", flash=said)


@page
async def enable_webhook(ctx: PageContext) -> Response:
    return await _switch(ctx, True)


@page
async def disable_webhook(ctx: PageContext) -> Response:
    return await _switch(ctx, False)


@page
async def rotate_secret(ctx: PageContext) -> Response:
    """A new secret, shown once in this answer; the old one signs beside it for the grace."""
    webhook_id = _webhook_id(ctx)
    made = await webhooks.rotate_secret(ctx.session, ctx.me, webhook_id, _config(ctx))
    return await _one(ctx, webhook_id, issued=made)


@page
async def delete_webhook(ctx: PageContext) -> Response:
    webhook_id = _webhook_id(ctx)
    found = await webhooks.get_subscription(ctx.session, ctx.me, webhook_id)
    await webhooks.delete_subscription(ctx.session, ctx.me, webhook_id)
    return ctx.redirect(
        "webhooks", flash=f"The webhook to {found.url} was deleted with its delivery log."
    )


async def _redelivery(
    ctx: PageContext,
    webhook_id: int,
    send: Callable[[], Awaitable[str]],
    since: str = "",
) -> Response:
    """Run a redelivery; a refusal (the webhook disabled, a bad time) is shown on its page."""
    try:
        said = await send()
    except ReleaseDeskError as error:
        if not _refused(error):
            raise

        def again(fresh: PageContext, e: ReleaseDeskError) -> Awaitable[Response]:
            errors = FormErrors.of(e, REDELIVER_FIELDS)
            return _one(fresh, webhook_id, errors=errors, since=since)

        raise Rerender(again, error) from error
    return ctx.redirect(f"webhooks/{webhook_id}", flash=said)


@page
async def redeliver_one(ctx: PageContext) -> Response:
    webhook_id = _webhook_id(ctx)
    delivery_id = _number(str(ctx.request.path_params["delivery_id"]), "delivery", "delivery_id")

    async def send() -> str:
        made = await webhooks.redeliver(ctx.session, ctx.me, webhook_id, delivery_id)
        return f"The {made.event_type} event was queued again as delivery {made.id}."

    return await _redelivery(ctx, webhook_id, send)


@page
async def redeliver_since(ctx: PageContext) -> Response:
    """Every event whose delivery failed or was canceled since the moment given, again."""
    webhook_id = _webhook_id(ctx)
    errors = FormErrors()
    text = ctx.field("since")
    since = datetime_field(ctx, "since", errors)
    if since is None and not errors:
        errors.add("since", "Enter the date and time to redeliver from (UTC)")
    elif since is not None and since >= _now():
        errors.add("since", "Enter a time in the past")
    if errors or since is None:
        return await _one(ctx, webhook_id, errors=errors, since=text)

    async def send() -> str:
        made = await webhooks.redeliver_range(ctx.session, ctx.me, webhook_id, since)
        if not made:
            return "No delivery failed or was canceled since then: nothing to send again."
        count = len(made)
        return f"{count} failed deliver{'y was' if count == 1 else 'ies were'} queued again."

    return await _redelivery(ctx, webhook_id, send, since=text)


def routes() -> list[BaseRoute]:
    return [
        Route("/webhooks", webhook_list, methods=["GET"]),
        Route("/webhooks", create_webhook, methods=["POST"]),
        Route("/webhooks/{webhook_id}", webhook_page, methods=["GET"]),
        Route("/webhooks/{webhook_id}", change_webhook, methods=["POST"]),
        Route("/webhooks/{webhook_id}/enable", enable_webhook, methods=["POST"]),
        Route("/webhooks/{webhook_id}/disable", disable_webhook, methods=["POST"]),
        Route("/webhooks/{webhook_id}/rotate", rotate_secret, methods=["POST"]),
        Route("/webhooks/{webhook_id}/delete", delete_webhook, methods=["POST"]),
        Route("/webhooks/{webhook_id}/redeliver", redeliver_since, methods=["POST"]),
        Route(
            "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
            redeliver_one,
            methods=["POST"],
        ),
    ]
