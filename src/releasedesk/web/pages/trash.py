"""The trash: the trashed releases the user may see, with Restore (staff) and Delete
permanently (admins, after a confirmation saying what goes).

The list runs through the one search implementation (`list_releases` with the trash view);
who moved each release to the trash comes from its history (`trashed_entries`, one
statement for the page). Restore and delete are the core's lifecycle operations, which
check the caller as they do for the APIs: the page only leaves out the controls the caller
may not use. A release restored or deleted meanwhile (another tab, the API) is answered with
a "not in the trash" page, never a write."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.errors import NotFound, ReleaseDeskError
from releasedesk.core.releases import lifecycle
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.parts import NOTHING
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.search.query import Query, Sort
from releasedesk.web.context import PageContext, Rerender, page

PAGE_SIZE = 20
MAX_PAGE = 100_000


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 18 else None


def _page_query(number: int) -> Query:
    """Most recently trashed first (the id breaks ties)."""
    return Query(
        sorts=(Sort("deleted_time", descending=True),),
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        with_total=True,
    )


@page
async def trash_list(ctx: PageContext) -> Response:
    """One page of the trashed releases the user may see (the core decides which)."""
    number = max(1, min(_int(ctx.query("page")) or 1, MAX_PAGE))
    query = _page_query(number)
    found = await releases.list_releases(ctx.session, ctx.me, query, ReleaseFilter.TRASH, NOTHING)
    total = found.total or 0
    if not found.rows and total and number > 1:  # past the end (rows went meanwhile): the last
        number = (total + PAGE_SIZE - 1) // PAGE_SIZE
        query = _page_query(number)
        found = await releases.list_releases(
            ctx.session, ctx.me, query, ReleaseFilter.TRASH, NOTHING
        )
        total = found.total or total
    trashed = await releases.trashed_entries(ctx.session, ctx.me, [r.id for r in found.rows])
    restored = _int(ctx.query("restored")) if ctx.flash else None
    return ctx.render(
        "trash/list.html",
        releases=found.rows,
        trashed=trashed,
        page=number,
        first=query.offset + 1 if found.rows else 0,
        last=query.offset + len(found.rows),
        total=total,
        has_more=found.has_more,
        can_restore=ctx.me.is_staff,
        can_delete=ctx.me.is_admin,
        restored=restored,
    )


def _not_in_trash(shown: str) -> Rerender:
    """The answer to a restore or delete of a release that is not in the trash (restored or
    deleted meanwhile, or never there): nothing written, a 404 page saying so."""
    error = NotFound(f"Release {shown} is not in the trash", "id")

    async def render(fresh: PageContext, refused: ReleaseDeskError) -> Response:
        return fresh.render("trash/missing.html", status=404, message=refused.message)

    return Rerender(render, error)


def _release_id(ctx: PageContext) -> int:
    raw = str(ctx.request.path_params.get("release_id", ""))
    release_id = _int(raw)
    if release_id is None:
        raise _not_in_trash(raw[:40])
    return release_id


def _back(ctx: PageContext, **query: object) -> str:
    """The trash page the form was sent from."""
    number = _int(ctx.field("page")) or 1
    return ctx.url("trash", page=number if 1 < number <= MAX_PAGE else None, **query)


@page
async def restore(ctx: PageContext) -> Response:
    """Bring the release back into the lists (the core refuses requesters: a 403 page)."""
    release_id = _release_id(ctx)
    try:
        await lifecycle.restore_from_trash(ctx.session, ctx.me, release_id)
    except (lifecycle.NotInTrash, NotFound) as error:
        raise _not_in_trash(str(release_id)) from error
    return ctx.redirect(_back(ctx, restored=release_id), flash=f"Release {release_id} restored.")


@page
async def delete(ctx: PageContext) -> Response:
    """Delete the release for good (the core allows administrators only: others get 403)."""
    release_id = _release_id(ctx)
    try:
        await lifecycle.delete_release(ctx.session, ctx.me, release_id)
    except (lifecycle.NotInTrash, NotFound) as error:
        raise _not_in_trash(str(release_id)) from error
    return ctx.redirect(_back(ctx), flash=f"Release {release_id} deleted permanently.")


def routes() -> list[BaseRoute]:
    return [
        Route("/trash", trash_list, methods=["GET"]),
        Route("/trash/{release_id}/restore", restore, methods=["POST"]),
        Route("/trash/{release_id}/delete", delete, methods=["POST"]),
    ]
