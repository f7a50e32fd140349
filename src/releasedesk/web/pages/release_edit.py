"""Editing a release: every field the APIs let a caller change, sent to the core as a
ReleaseChanges holding only the fields that differ from the release as read (so the history
shows what changed and nothing else), with the version the form was read at (a change made
meanwhile is a conflict, not overwritten). A refused save shows the form again with what
was typed and the message beside its field."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.errors import ErrorKind, ReleaseDeskError
from releasedesk.core.refs import Ref
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.releases.views import Release
from releasedesk.web.choices import lookup_choices, release_choices
from releasedesk.web.context import PageContext
from releasedesk.web.forms import FormErrors, datetime_field, id_field
from releasedesk.web.pages.release import Can, refused, release_page
from releasedesk.web.release_words import DESCRIPTIVE_LABELS, humane, label
from releasedesk.web.templating import local_input

LOOKUPS = ("priority", "impact", "urgency", "risk", "release_type", "category", "site", "group")
TIMES = ("scheduled_start_time", "scheduled_end_time")
TEXTS = ("title", "description", *DESCRIPTIVE_LABELS)
FORM_FIELDS = (
    *TEXTS,
    *LOOKUPS,
    *TIMES,
    "services",
    "emergency",
    "stage",
    "status",
    "comment",
)


def _text(ctx: PageContext, name: str) -> str:
    """A text area as typed, line ends as the server keeps them."""
    return ctx.field(name).replace("\r\n", "\n")


def _ids(ctx: PageContext, name: str) -> list[int]:
    return sorted(
        {int(raw) for raw in ctx.fields(name) if raw.isascii() and raw.isdigit() and len(raw) < 18}
    )


def stored_values(release: Release) -> dict[str, Any]:
    """The form's values as the release has them."""
    values: dict[str, Any] = {
        "title": release.title,
        "description": release.description or "",
        "services": [service.id for service in release.services],
        "emergency": release.emergency,
        "stage": release.stage.id,
        "status": release.status.id,
        "comment": "",
        "version": release.version,
    }
    for name in LOOKUPS:
        chosen = getattr(release, name)
        values[name] = "" if chosen is None else chosen.id
    for name in TIMES:
        values[name] = local_input(getattr(release, name))
    for kind in DESCRIPTIVE_LABELS:
        values[kind] = release.descriptive_text(kind) or ""
    return values


def typed_values(ctx: PageContext) -> dict[str, Any]:
    """The form's values as they were sent (kept when a save is refused)."""
    values: dict[str, Any] = {name: _text(ctx, name) for name in (*TEXTS, "comment")}
    values.update({name: ctx.field(name) for name in (*LOOKUPS, *TIMES, "stage", "status")})
    values["services"] = _ids(ctx, "services")
    values["emergency"] = bool(ctx.field("emergency"))
    values["version"] = ctx.field("version")
    return values


async def render_form(
    ctx: PageContext,
    release_id: int,
    errors: FormErrors | None = None,
    *,
    typed: bool = False,
    status: int = 200,
) -> Response:
    """The form: the release as stored, or (`typed`) as it was sent. After a conflict the
    version becomes the release's current one, so saving again (once the user has looked)
    applies what they typed; after any other refusal it stays the one they read."""
    release = await releases.get_release(ctx.session, ctx.me, release_id)
    if not Can.of(ctx.me, release).edit:
        why = (
            "A release in the trash cannot be edited; restore it first."
            if release.in_trash
            else "You are not allowed to modify this release."
        )
        return ctx.render(
            "release/message.html",
            status=409 if release.in_trash else 403,
            heading="This release cannot be edited",
            message=why,
            release_id=release.id,
        )
    choices = await release_choices(ctx)
    lookups = {name: await lookup_choices(ctx, name) for name in LOOKUPS}
    values = typed_values(ctx) if typed else stored_values(release)
    if typed and (status == 409 or not values["version"]):
        values["version"] = release.version
    return ctx.render(
        "release/edit.html",
        status=status if not errors else (status if status != 200 else 422),
        release=release,
        errors=errors or FormErrors(),
        values=values,
        lookups=lookups,
        services=await lookup_choices(ctx, "service"),
        choices=choices,
        descriptive=DESCRIPTIVE_LABELS,
        labels={name: label(name) for name in FORM_FIELDS},
    )


@release_page
async def edit_form(ctx: PageContext, release_id: int) -> Response:
    """The edit form, filled with the release as it is (read-only when it may not be)."""
    return await render_form(ctx, release_id)


def read_changes(ctx: PageContext, current: Release, errors: FormErrors) -> dict[str, object]:
    """The fields whose sent value differs from the release as read; each a core value."""
    changes: dict[str, object] = {}
    title = ctx.field("title")
    if not title:
        errors.add("title", "Enter a title")
    elif title != current.title:
        changes["title"] = title
    for name in ("description", *DESCRIPTIVE_LABELS):
        stored = (
            current.description if name == "description" else current.descriptive_text(name)
        ) or ""
        text = _text(ctx, name)
        if text != stored.strip():
            changes[name] = text or None
    for name in LOOKUPS:
        chosen = id_field(ctx, name, errors)
        now = getattr(current, name)
        if chosen != (None if now is None else now.id):
            changes[name] = None if chosen is None else Ref(id=chosen)
    for name in TIMES:
        if ctx.field(name) != local_input(getattr(current, name)):
            changes[name] = datetime_field(ctx, name, errors)
    services = _ids(ctx, "services")
    if services != sorted(service.id for service in current.services):
        changes["services"] = tuple(Ref(id=service_id) for service_id in services)
    emergency = bool(ctx.field("emergency"))
    if emergency != current.emergency:
        changes["emergency"] = emergency
    # Stage and status travel whenever they are sent and differ: a requester's form has
    # neither, and one sent anyway is the core's to refuse (403), not ours to drop.
    stage_id = id_field(ctx, "stage", errors)
    status_id = id_field(ctx, "status", errors)
    if stage_id is not None and stage_id != current.stage.id:
        changes["stage"] = Ref(id=stage_id)
    if status_id is not None and status_id != current.status.id:
        changes["status"] = Ref(id=status_id)
    if comment := ctx.field("comment"):
        changes["comment"] = comment
    return changes


def save_errors(error: ReleaseDeskError) -> FormErrors:
    """A refused save: beside the field it names, else in the summary."""
    errors = FormErrors()
    if error.field in FORM_FIELDS:
        errors.add(error.field, humane(error.message))
    elif error.kind is ErrorKind.CONFLICT:
        errors.general.append(
            "Someone changed this release while you were editing it. Your changes are kept "
            "below: open the release in another tab to see what changed, then save again."
        )
    else:
        errors.general.append(humane(error.message))
    return errors


@release_page
async def save(ctx: PageContext, release_id: int) -> Response:
    """Save the fields that changed (releases/service.update_release, version checked)."""
    current = await releases.get_release(ctx.session, ctx.me, release_id)
    errors = FormErrors()
    changes = read_changes(ctx, current, errors)
    version_text = ctx.field("version")
    version = int(version_text) if version_text.isdigit() and len(version_text) < 18 else None
    if "stage" in changes and "status" in changes:
        # A status of another stage than the one chosen (the one the release leaves, as the
        # form had it selected) means the new stage's default status.
        statuses = (await release_choices(ctx)).statuses
        status = next((s for s in statuses if Ref(id=s.id) == changes["status"]), None)
        if status is not None and Ref(id=status.stage_id) != changes["stage"]:
            del changes["status"]
    if errors:
        return await render_form(ctx, release_id, errors, typed=True)
    if not changes:
        return ctx.redirect(f"releases/{release_id}", flash="Nothing was changed.")
    try:
        await releases.update_release(
            ctx.session,
            ctx.me,
            release_id,
            ReleaseChanges.of(**changes),
            expected_version=version,
        )
    except ReleaseDeskError as error:
        answer = 409 if error.kind is ErrorKind.CONFLICT else 422
        raise refused(
            error,
            lambda fresh, e: render_form(
                fresh, release_id, save_errors(e), typed=True, status=answer
            ),
        ) from error
    return ctx.redirect(f"releases/{release_id}", flash=f"Release {release_id} was saved.")


def routes() -> list[BaseRoute]:
    return [
        Route("/releases/{release_id}/edit", edit_form, methods=["GET"]),
        Route("/releases/{release_id}/edit", save, methods=["POST"]),
    ]
