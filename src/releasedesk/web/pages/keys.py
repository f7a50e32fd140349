"""API keys: everyone creates, lists and revokes their own; an administrator also sees and
revokes every key of the portal. Every rule is the core's (core/users/administration.py).

A new key is shown once, in the answer to the POST that made it: not through a redirect and
a flash, which would carry it in a cookie, and never in a URL. The answer is not stored by
the browser (Cache-Control: no-store, as every page is)."""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.errors import Invalid, ReleaseDeskError
from releasedesk.core.users import administration
from releasedesk.core.users.keys import LABEL_LENGTH
from releasedesk.core.users.views import IssuedKey, KeyState, KeyView
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import FormErrors

FIELDS = ("label", "expires")
STATE_WORDS = {
    KeyState.ACTIVE: "Active",
    KeyState.EXPIRED: "Expired",
    KeyState.REVOKED: "Revoked",
    KeyState.USER_INACTIVE: "Owner deactivated",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def state_word(key: KeyView, now: dt.datetime) -> str:
    return STATE_WORDS[key.state(now)]


def revocable(key: KeyView, now: dt.datetime) -> bool:
    """Whether the list offers Revoke: a key that works, or would again if its owner were
    activated; a revoked or expired one has nothing left to stop."""
    return key.state(now) in (KeyState.ACTIVE, KeyState.USER_INACTIVE)


async def _page(
    ctx: PageContext,
    *,
    errors: FormErrors | None = None,
    issued: IssuedKey | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    now = _now()
    mine = await administration.own_keys(ctx.session, ctx.me)
    everyone = await administration.portal_keys(ctx.session, ctx.me) if ctx.me.is_admin else []
    return ctx.render(
        "keys/list.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        values=values or {name: "" for name in FIELDS},
        issued=issued,
        mine=mine,
        everyone=everyone,
        now=now,
        tomorrow=(now.date() + dt.timedelta(days=1)).isoformat(),
        state_word=state_word,
        revocable=revocable,
        label_length=LABEL_LENGTH,
    )


@page
async def key_list(ctx: PageContext) -> Response:
    return await _page(ctx)


def _expiry(ctx: PageContext, errors: FormErrors, now: dt.datetime) -> dt.datetime | None:
    """The expiry date as the first instant the key is refused: the start of that day, UTC."""
    text = ctx.field("expires")
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors.add("expires", "Enter the expiry as a date, like 2027-01-31")
        return None
    if day <= now.date():
        errors.add("expires", "The expiry date must be after today")
        return None
    return dt.datetime.combine(day, dt.time(), dt.UTC)


@page
async def create_key(ctx: PageContext) -> Response:
    """Issue a key for the signed-in person; the answer shows it, once."""
    values = {name: ctx.field(name) for name in FIELDS}
    errors = FormErrors()
    now = _now()
    if not values["label"]:
        errors.add("label", "Enter a label, such as what the key is for")
    expires = _expiry(ctx, errors, now)
    if errors:
        return await _page(ctx, errors=errors, values=values)
    try:
        issued = await administration.issue_own_key(
            ctx.session, ctx.me, values["label"], expires, now=now
        )
    except ReleaseDeskError as error:
        raise Rerender(
            lambda fresh, e: _page(fresh, errors=FormErrors.of(e, FIELDS), values=values), error
        ) from error
    return await _page(ctx, issued=issued)


def _key_id(ctx: PageContext) -> int:
    return int(ctx.request.path_params["key_id"])


@page
async def revoke_key(ctx: PageContext) -> Response:
    """Revoke a key (the core checks it is the person's own, or that they are an admin)."""
    try:
        key = await administration.revoke(ctx.session, ctx.me, _key_id(ctx))
    except Invalid as error:  # already revoked (by another tab, another admin): say so
        raise Rerender(
            lambda fresh, e: _page(fresh, errors=FormErrors(general=[e.message])), error
        ) from error
    owner = "" if key.user_id == ctx.me.user_id else f" of {key.user_name}"
    return ctx.redirect(
        "keys",
        flash=f"The key “{key.name}”{owner} ({key.prefix}…) was revoked: "
        "requests with it are refused from now on.",
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/keys", key_list, methods=["GET"]),
        Route("/keys", create_key, methods=["POST"]),
        Route("/keys/{key_id:int}/revoke", revoke_key, methods=["POST"]),
    ]
