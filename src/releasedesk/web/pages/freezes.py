"""Freezes: the portal's freeze windows for everyone signed in; administrators create,
change and delete them and grant single releases an exception to one. Every rule is the
core's (core/freezes/service.py), as for /api/v1/freeze_windows: this page reads the form
(web/freeze_form.py), calls the same functions and puts their refusals beside the field they
name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.actors import require_admin
from releasedesk.core.errors import NotFound, ReleaseDeskError
from releasedesk.core.freezes import service as freezes
from releasedesk.core.freezes.service import WindowSpec
from releasedesk.core.freezes.timing import OneOff
from releasedesk.core.freezes.views import FreezeWindow, Override
from releasedesk.web import freeze_form, freeze_words
from releasedesk.web.choices import lookup_choices, team_choices, zone_names
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import PAGE_REFUSALS, FormErrors

NEXT_LISTED = 3  # occurrences in the list
NEXT_SHOWN = 5  # on a window's page
GRANT_FIELDS = ("release", "reason", "expires_on")
SCOPE_FIELD = {f"scope.{kind}": kind for kind in freeze_form.SCOPE_KINDS}
# Refusals that are the page's, not the form's: not allowed, the window gone.


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def form_errors(error: ReleaseDeskError, fields: tuple[str, ...]) -> FormErrors:
    """A core refusal beside the form's field (the core's `scope.services` is the form's
    `services`)."""
    named = SCOPE_FIELD.get(error.field or "")
    if named is not None:
        errors = FormErrors()
        errors.add(named, error.message)
        return errors
    return FormErrors.of(error, fields)


def _window_id(ctx: PageContext) -> int:
    """The window of the address; anything but a number names none (404)."""
    raw = str(ctx.request.path_params["window_id"])
    if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
        raise NotFound(f"No freeze window with id '{raw[:40]}'", "id")
    return int(raw)


async def _form_choices(ctx: PageContext) -> dict[str, object]:
    """What the window form offers: the portal's services, release types and teams, and the
    zones."""
    return {
        "scope_choices": [
            ("services", "Services", await lookup_choices(ctx, "service")),
            ("release_types", "Release types", await lookup_choices(ctx, "release_type")),
            ("teams", "UrbanCode teams", await team_choices(ctx)),
        ],
        "zones": zone_names(),
    }


def _words() -> dict[str, object]:
    return {
        "effect_word": freeze_words.effect_word,
        "span": freeze_words.span,
        "zoned": freeze_words.zoned,
        "occurrence_words": freeze_words.occurrence_words,
        "rule_words": freeze_words.rule_words,
        "duration_words": freeze_words.duration_words,
        "scope_words": freeze_words.scope_words,
        "is_one_off": lambda window: isinstance(window.timing.shape, OneOff),
    }


def _last_zone(windows: list[FreezeWindow]) -> str:
    """The zone of the window saved last: a new one most likely shares it."""
    if not windows:
        return "UTC"
    return max(windows, key=lambda w: (w.updated_on, w.id)).timing.zone.key


# --- the list and the new window's form -----------------------------------------------------


async def _list(
    ctx: PageContext,
    *,
    errors: FormErrors | None = None,
    values: freeze_form.Values | None = None,
) -> Response:
    now = _now()
    windows = await freezes.list_windows(ctx.session, ctx.me)
    extra = await _form_choices(ctx) if ctx.me.is_admin else {"scope_choices": [], "zones": ()}
    return ctx.render(
        "freezes/list.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        values=values or freeze_form.blank(_last_zone(windows)),
        windows=windows,
        upcoming={w.id: freezes.next_occurrences(w, now, NEXT_LISTED) for w in windows},
        now=now,
        **extra,
        **_words(),
    )


@page
async def window_list(ctx: PageContext) -> Response:
    return await _list(ctx)


async def _save(
    ctx: PageContext,
    save: Callable[[WindowSpec], Awaitable[FreezeWindow]],
    again: Callable[[PageContext, FormErrors, freeze_form.Values], Awaitable[Response]],
) -> FreezeWindow | Response:
    """Read the form and save it with `save`; refused, the form again (`again`) with the
    message beside its field. Not allowed or gone: the core's refusal as the page."""
    values = freeze_form.typed(ctx)
    errors = FormErrors()
    spec = freeze_form.spec_of(values, errors)
    if spec is None:
        return await again(ctx, errors, values)
    try:
        return await save(spec)
    except ReleaseDeskError as error:
        if error.kind in PAGE_REFUSALS:
            raise
        raise Rerender(
            lambda fresh, e: again(fresh, form_errors(e, freeze_form.FIELDS), values), error
        ) from error


@page
async def create_window(ctx: PageContext) -> Response:
    """A new window (administrators: the core refuses anyone else, whatever the form says)."""
    require_admin(ctx.me, "create freeze windows")

    async def save(spec: WindowSpec) -> FreezeWindow:
        return await freezes.create_window(ctx.session, ctx.me, spec)

    async def again(fresh: PageContext, errors: FormErrors, values: freeze_form.Values) -> Response:
        return await _list(fresh, errors=errors, values=values)

    saved = await _save(ctx, save, again)
    if isinstance(saved, Response):
        return saved
    return ctx.redirect("freezes", flash=f"The freeze window “{saved.name}” was created.")


# --- one window ------------------------------------------------------------------------------


async def _show(
    ctx: PageContext,
    window_id: int,
    *,
    errors: FormErrors | None = None,
    grant: dict[str, str] | None = None,
) -> Response:
    now = _now()
    window = await freezes.get_window(ctx.session, ctx.me, window_id)
    overrides = await freezes.overrides_of_window(ctx.session, ctx.me, window_id)
    return ctx.render(
        "freezes/window.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        window=window,
        upcoming=freezes.next_occurrences(window, now, NEXT_SHOWN),
        now=now,
        affected=await freezes.affected(ctx.session, ctx.me, window_id),
        overrides=overrides,
        expired=lambda override: _expired(override, now),
        grant=grant or {name: "" for name in GRANT_FIELDS},
        tomorrow=(now.astimezone(window.timing.zone).date() + dt.timedelta(days=1)).isoformat(),
        **_words(),
    )


def _expired(override: Override, now: dt.datetime) -> bool:
    return override.expires_on <= now


@page
async def show_window(ctx: PageContext) -> Response:
    return await _show(ctx, _window_id(ctx))


async def _edit(
    ctx: PageContext,
    window_id: int,
    *,
    errors: FormErrors | None = None,
    values: freeze_form.Values | None = None,
) -> Response:
    window = await freezes.get_window(ctx.session, ctx.me, window_id)
    return ctx.render(
        "freezes/edit.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        window=window,
        values=values or freeze_form.values_of(window),
        **await _form_choices(ctx),
    )


@page
async def edit_window(ctx: PageContext) -> Response:
    require_admin(ctx.me, "change freeze windows")
    return await _edit(ctx, _window_id(ctx))


@page
async def update_window(ctx: PageContext) -> Response:
    require_admin(ctx.me, "change freeze windows")
    window_id = _window_id(ctx)

    async def save(spec: WindowSpec) -> FreezeWindow:
        return await freezes.update_window(ctx.session, ctx.me, window_id, spec)

    async def again(fresh: PageContext, errors: FormErrors, values: freeze_form.Values) -> Response:
        return await _edit(fresh, window_id, errors=errors, values=values)

    saved = await _save(ctx, save, again)
    if isinstance(saved, Response):
        return saved
    return ctx.redirect(
        f"freezes/{saved.id}", flash=f"The freeze window “{saved.name}” was changed."
    )


@page
async def delete_window(ctx: PageContext) -> Response:
    window_id = _window_id(ctx)
    window = await freezes.get_window(ctx.session, ctx.me, window_id)
    await freezes.delete_window(ctx.session, ctx.me, window_id)
    return ctx.redirect(
        "freezes",
        flash=f"The freeze window “{window.name}” was deleted, with the exceptions granted to it.",
    )


def _release_id(text: str, errors: FormErrors) -> int | None:
    cleaned = text.removeprefix("#").strip()
    if not (cleaned.isascii() and cleaned.isdigit() and len(cleaned) < 18):
        errors.add("release", "Enter the release's number, such as 42")
        return None
    return int(cleaned)


def _expiry(text: str, zone: ZoneInfo, errors: FormErrors) -> dt.datetime | None:
    """The last day the exception holds: it ends at the end of that day in the window's
    zone."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors.add("expires_on", "Enter the last day of the exception, like 2027-01-31")
        return None
    if day.year >= freeze_form.LAST_YEAR:
        errors.add("expires_on", "an exception lasts at most a year")
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)


@page
async def grant_exception(ctx: PageContext) -> Response:
    """An exception for one release to this window (administrators other than the release's
    requester: the core says so beside the release field)."""
    window_id = _window_id(ctx)
    grant = {name: ctx.field(name) for name in GRANT_FIELDS}
    errors = FormErrors()
    window = await freezes.get_window(ctx.session, ctx.me, window_id)
    release_id = _release_id(grant["release"], errors)
    expires = _expiry(grant["expires_on"], window.timing.zone, errors)
    if errors or release_id is None or expires is None:
        require_admin(ctx.me, "grant exceptions to freeze windows")
        return await _show(ctx, window_id, errors=errors, grant=grant)
    try:
        await freezes.grant_override(
            ctx.session, ctx.me, window_id, release_id, grant["reason"], expires
        )
    except ReleaseDeskError as error:
        if error.kind in PAGE_REFUSALS and (error.field or "") not in GRANT_FIELDS:
            raise
        raise Rerender(
            lambda fresh, e: _show(
                fresh, window_id, errors=form_errors(e, GRANT_FIELDS), grant=grant
            ),
            error,
        ) from error
    last_day = expires.date() - dt.timedelta(days=1)
    return ctx.redirect(
        f"freezes/{window_id}",
        flash=f"Release {release_id} may now be scheduled and deployed in “{window.name}”"
        f" until the end of {last_day.day} {last_day:%b %Y} ({window.timing.zone.key}).",
    )


@page
async def revoke_exception(ctx: PageContext) -> Response:
    """An exception ended before it expires (administrators; the core says so)."""
    window_id = _window_id(ctx)
    raw = str(ctx.request.path_params["override_id"])
    if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
        raise NotFound(f"No exception with id '{raw}'", "override_id")
    window = await freezes.get_window(ctx.session, ctx.me, window_id)
    await freezes.revoke_override(ctx.session, ctx.me, window_id, int(raw))
    return ctx.redirect(
        f"freezes/{window_id}",
        flash=f"The exception was revoked: “{window.name}” blocks that release again.",
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/freezes", window_list, methods=["GET"]),
        Route("/freezes", create_window, methods=["POST"]),
        Route("/freezes/{window_id}", show_window, methods=["GET"]),
        Route("/freezes/{window_id}", update_window, methods=["POST"]),
        Route("/freezes/{window_id}/edit", edit_window, methods=["GET"]),
        Route("/freezes/{window_id}/delete", delete_window, methods=["POST"]),
        Route("/freezes/{window_id}/exceptions", grant_exception, methods=["POST"]),
        Route(
            "/freezes/{window_id}/exceptions/{override_id}/revoke",
            revoke_exception,
            methods=["POST"],
        ),
    ]
