"""What the release page's buttons do: close, move to the trash, restore, pick up, assign
the engineer and add a note, each one core call as the signed-in user (the core checks the
caller: a requester's forged POST is refused with 403 and changes nothing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.actors import Actor
from releasedesk.core.errors import ReleaseDeskError
from releasedesk.core.refs import Ref
from releasedesk.core.releases import lifecycle
from releasedesk.core.work import service as work
from releasedesk.core.work.kinds import NOTE
from releasedesk.core.work.values import ChildValue
from releasedesk.core.workflow.names import RoleName
from releasedesk.web.context import PageContext
from releasedesk.web.forms import FormErrors, id_field
from releasedesk.web.pages.release import refused, release_page, render_release
from releasedesk.web.release_words import humane


def errors_at(error: ReleaseDeskError, fields: dict[str, str], otherwise: str) -> FormErrors:
    """A core error beside the form field it names (`fields`: core field → form field), or
    beside `otherwise`, the form's main field."""
    errors = FormErrors()
    errors.add(fields.get(error.field or "", otherwise), humane(error.message))
    return errors


def back(release_id: int) -> str:
    return f"releases/{release_id}"


@release_page
async def close_release(ctx: PageContext, release_id: int) -> Response:
    """Close with the Closure status chosen and a comment (lifecycle.close_release)."""
    errors = FormErrors()
    status_id = id_field(ctx, "status", errors)
    if errors:
        return await render_release(
            ctx, release_id, FormErrors({"close-status": errors.by_field["status"]})
        )
    try:
        await lifecycle.close_release(
            ctx.session,
            ctx.me,
            release_id,
            status=None if status_id is None else Ref(id=status_id),
            comment=ctx.field("comment") or None,
        )
    except ReleaseDeskError as error:
        raise refused(
            error,
            lambda fresh, e: render_release(
                fresh, release_id, errors_at(e, {"comment": "close-comment"}, "close-status")
            ),
        ) from error
    return ctx.redirect(back(release_id), flash=f"Release {release_id} was closed.")


async def _act(
    ctx: PageContext,
    release_id: int,
    operation: Callable[[AsyncSession, Actor, int], Awaitable[object]],
    flash: str,
) -> Response:
    """One lifecycle operation on the release, then back to its page; a refusal is shown
    at the top of the page."""
    try:
        await operation(ctx.session, ctx.me, release_id)
    except ReleaseDeskError as error:
        raise refused(error, lambda fresh, e: _general(fresh, release_id, e)) from error
    return ctx.redirect(back(release_id), flash=flash)


@release_page
async def move_to_trash(ctx: PageContext, release_id: int) -> Response:
    """Into the trash (lifecycle.move_to_trash); the page then shows the trash banner."""
    return await _act(
        ctx,
        release_id,
        lifecycle.move_to_trash,
        f"Release {release_id} was moved to the trash. Restore it to bring it back.",
    )


@release_page
async def restore(ctx: PageContext, release_id: int) -> Response:
    return await _act(
        ctx, release_id, lifecycle.restore_from_trash, f"Release {release_id} was restored."
    )


@release_page
async def pickup(ctx: PageContext, release_id: int) -> Response:
    """The signed-in technician becomes the release engineer (lifecycle.pickup)."""
    return await _act(ctx, release_id, lifecycle.pickup, "You are the release engineer now.")


@release_page
async def assign_engineer(ctx: PageContext, release_id: int) -> Response:
    errors = FormErrors()
    engineer = id_field(ctx, "engineer", errors)
    if engineer is None and not errors:
        errors.add("engineer", "Choose the engineer")
    if errors:
        return await render_release(ctx, release_id, errors)
    try:
        release = await lifecycle.assign_engineer(ctx.session, ctx.me, release_id, Ref(id=engineer))
    except ReleaseDeskError as error:
        raise refused(
            error,
            lambda fresh, e: render_release(fresh, release_id, errors_at(e, {}, "engineer")),
        ) from error
    engineer_now = release.holder(RoleName.ENGINEER)
    name = "The engineer" if engineer_now is None else engineer_now.name
    return ctx.redirect(back(release_id), flash=f"{name} is the release engineer now.")


@release_page
async def add_note(ctx: PageContext, release_id: int) -> Response:
    """A note (work.add_child); a requester's own note is shown to them."""
    text = ctx.field("note")
    if not text:
        return await render_release(ctx, release_id, FormErrors({"note": "Enter the note"}))
    shown = ctx.me.is_requester or bool(ctx.field("show_to_requester"))
    given: dict[str, ChildValue] = {"description": text, "show_to_requester": shown}
    try:
        await work.add_child(ctx.session, ctx.me, NOTE, release_id, given)
    except ReleaseDeskError as error:
        raise refused(
            error, lambda fresh, e: render_release(fresh, release_id, errors_at(e, {}, "note"))
        ) from error
    return ctx.redirect(back(release_id), flash="Your note was added.")


async def _general(ctx: PageContext, release_id: int, error: ReleaseDeskError) -> Response:
    """The page again with a refusal no field owns, in the summary at the top."""
    return await render_release(ctx, release_id, FormErrors(general=[humane(error.message)]))


def routes() -> list[BaseRoute]:
    return [
        Route("/releases/{release_id}/close", close_release, methods=["POST"]),
        Route("/releases/{release_id}/trash", move_to_trash, methods=["POST"]),
        Route("/releases/{release_id}/restore", restore, methods=["POST"]),
        Route("/releases/{release_id}/pickup", pickup, methods=["POST"]),
        Route("/releases/{release_id}/engineer", assign_engineer, methods=["POST"]),
        Route("/releases/{release_id}/notes", add_note, methods=["POST"]),
    ]
