"""The release page's approvals: deciding one asked of the signed-in user
(approvals/decisions.decide, "on the web"), adding a level or approvers to one
(approvals/service.add_level, add_approvals) and sending a level's approvals out
(approvals/sending.send_notifications), exactly as the SDP dialect calls them."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.approvals import decisions, sending
from releasedesk.core.approvals import service as approvals
from releasedesk.core.approvals.rules import Rule
from releasedesk.core.approvals.schemas import ApproverInput, LevelInput, NotificationInput
from releasedesk.core.approvals.views import ApprovalStatus, Channel
from releasedesk.core.errors import Invalid, ReleaseDeskError
from releasedesk.core.refs import Ref
from releasedesk.web.context import PageContext
from releasedesk.web.forms import FormErrors, id_field
from releasedesk.web.pages.release import not_found, refused, release_page, render_release
from releasedesk.web.pages.release_actions import back, errors_at
from releasedesk.web.release_words import humane

VERDICTS = {"approve": ApprovalStatus.APPROVED, "reject": ApprovalStatus.REJECTED}
DONE = {ApprovalStatus.APPROVED: "approved", ApprovalStatus.REJECTED: "rejected"}
LEVEL_FIELDS = {
    "name": "level-name",
    "release_stage": "level-stage",
    "stage": "level-stage",
    "rule": "level-rule",
    "rule.type": "level-rule",
    "rule.value": "level-percent",
    "approver": "level-approvers",
    "approvals": "level-approvers",
}


def _path_id(ctx: PageContext, name: str) -> int | None:
    raw = str(ctx.request.path_params[name])
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None


def _people(ctx: PageContext, name: str) -> tuple[ApproverInput, ...]:
    return tuple(
        ApproverInput(user=Ref(id=int(raw)))
        for raw in ctx.fields(name)
        if raw.isascii() and raw.isdigit() and len(raw) < 18
    )


@release_page
async def decide(ctx: PageContext, release_id: int) -> Response:
    """Approve or Reject, with an optional comment (the core keeps at most 250
    characters of one line, and says so)."""
    level_id, approval_id = _path_id(ctx, "level_id"), _path_id(ctx, "approval_id")
    if level_id is None or approval_id is None:
        return await not_found(ctx, str(release_id))
    field = f"comment-{approval_id}"
    verdict = VERDICTS.get(ctx.field("decision"))
    comment = ctx.field("comment") or None
    if verdict is None:
        return await render_release(
            ctx, release_id, FormErrors({field: "Choose Approve or Reject"})
        )
    try:
        await decisions.decide(
            ctx.session,
            ctx.me,
            release_id,
            level_id,
            approval_id,
            verdict,
            comment,
            channel=Channel.WEB,
        )
    except ReleaseDeskError as error:
        raise refused(
            error, lambda fresh, e: render_release(fresh, release_id, errors_at(e, {}, field))
        ) from error
    return ctx.redirect(back(release_id), flash=f"You {DONE[verdict]} this release's approval.")


@release_page
async def add_level(ctx: PageContext, release_id: int) -> Response:
    """A level at the end of its stage's levels, with its rule and (maybe) approvers."""
    errors = FormErrors()
    name = ctx.field("level-name")
    if not name:
        errors.add("level-name", "Enter a name for the level")
    stage_id = id_field(ctx, "level-stage", errors)
    if stage_id is None and not errors.get("level-stage"):
        errors.add("level-stage", "Choose the stage")
    percent_text = ctx.field("level-percent")
    percent: int | None = None
    rule_type = ctx.field("level-rule", "anyone")
    if rule_type == "percent":
        if not (percent_text.isascii() and percent_text.isdigit() and len(percent_text) < 4):
            errors.add("level-percent", "Enter a whole number from 1 to 100")
        else:
            percent = int(percent_text)
    rule: Rule | None = None
    if not errors:
        try:
            rule = Rule.of(rule_type, percent)
        except Invalid as error:
            errors.add(LEVEL_FIELDS.get(error.field or "", "level-rule"), humane(error.message))
    if errors or rule is None or stage_id is None:
        return await render_release(ctx, release_id, errors)
    given = LevelInput(
        name=name,
        stage=Ref(id=stage_id),
        rule=rule,
        approvers=_people(ctx, "level-approvers"),
        given=frozenset({"name", "stage", "rule", "approvers"}),
    )
    try:
        level = await approvals.add_level(ctx.session, ctx.me, release_id, given)
    except ReleaseDeskError as error:
        raise refused(
            error,
            lambda fresh, e: render_release(
                fresh, release_id, errors_at(e, LEVEL_FIELDS, "level-name")
            ),
        ) from error
    return ctx.redirect(
        back(release_id),
        flash=f"Approval level {level.level} '{level.name}' was added to {level.stage.name}.",
    )


@release_page
async def add_approvers(ctx: PageContext, release_id: int) -> Response:
    level_id = _path_id(ctx, "level_id")
    if level_id is None:
        return await not_found(ctx, str(release_id))
    field = f"approvers-{level_id}"
    chosen = _people(ctx, "approver")
    if not chosen:
        return await render_release(
            ctx, release_id, FormErrors({field: "Choose at least one approver"})
        )
    try:
        added = await approvals.add_approvals(ctx.session, ctx.me, release_id, level_id, chosen)
    except ReleaseDeskError as error:
        raise refused(
            error, lambda fresh, e: render_release(fresh, release_id, errors_at(e, {}, field))
        ) from error
    names = ", ".join(a.approver.name for a in added if a.approver is not None)
    return ctx.redirect(back(release_id), flash=f"Added as approvers: {names}.")


@release_page
async def send_level(ctx: PageContext, release_id: int) -> Response:
    """Send every approval of the level not sent yet: each becomes Waiting, its mail goes
    out with its link."""
    level_id = _path_id(ctx, "level_id")
    if level_id is None:
        return await not_found(ctx, str(release_id))
    level = await approvals.get_level(ctx.session, ctx.me, release_id, level_id)
    waiting = [a.id for a in level.approvals if a.status is ApprovalStatus.TO_BE_SENT]
    if not waiting:
        return await render_release(
            ctx, release_id, FormErrors(general=["Every approval of this level was sent already."])
        )
    try:
        outcomes = await sending.send_notifications(
            ctx.session, ctx.me, release_id, level_id, waiting, NotificationInput()
        )
    except ReleaseDeskError as error:
        raise refused(
            error,
            lambda fresh, e: render_release(
                fresh, release_id, FormErrors(general=[humane(e.message)])
            ),
        ) from error
    failed = [o.error for o in outcomes if o.error is not None]
    if len(failed) == len(outcomes):
        first = failed[0]
        raise refused(
            first,
            lambda fresh, e: render_release(
                fresh, release_id, FormErrors(general=[humane(e.message)])
            ),
        )
    sent = len(outcomes) - len(failed)
    flash = f"Sent for approval to {sent} of {len(outcomes)} approvers."
    if failed:
        flash += " Not sent: " + "; ".join(humane(e.message) for e in failed)
    return ctx.redirect(back(release_id), flash=flash)


def routes() -> list[BaseRoute]:
    levels = "/releases/{release_id}/approval-levels"
    return [
        Route(levels, add_level, methods=["POST"]),
        Route(levels + "/{level_id}/approvers", add_approvers, methods=["POST"]),
        Route(levels + "/{level_id}/send", send_level, methods=["POST"]),
        Route(levels + "/{level_id}/approvals/{approval_id}", decide, methods=["POST"]),
    ]
