"""The board: one column per workflow stage, a card per open release, and on each card a
"Move to" form that moves the release through the core, as the APIs do.

Each column is one page of `core/releases/service.list_releases` filtered by its stage in
the database (the one search implementation), bounded to the newest COLUMN_SIZE with a link
to the releases list for the rest. A move is `update_release` with the stage, status and
comment: the workflow rules, the approval gate and the requester's refusal are the core's.
The approval state of every card comes from one batched core read, not one per card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.approvals import summary as approvals
from releasedesk.core.errors import ErrorKind, NotFound, ReleaseDeskError
from releasedesk.core.freezes import flags as freeze_flags
from releasedesk.core.freezes.views import Flag
from releasedesk.core.refs import Ref
from releasedesk.core.releases import service as releases
from releasedesk.core.releases.parts import Part
from releasedesk.core.releases.schemas import ReleaseChanges
from releasedesk.core.releases.views import Release, ReleaseFilter
from releasedesk.core.search.query import Condition, Op, Query, Sort
from releasedesk.core.stage_approval.status import StageApproval
from releasedesk.core.workflow import service as workflow
from releasedesk.core.workflow.names import RoleName
from releasedesk.core.workflow.views import Stage, Status
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import FormErrors, id_field

COLUMN_SIZE = 50
MOVE_FIELDS = ("stage", "status", "comment")
MAX_COMMENT = 4000
PARTS = frozenset({Part.ROLES})


@dataclass(frozen=True)
class Column:
    """One stage's column: its newest open releases and how many it holds in all."""

    stage: Stage
    releases: list[Release]
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.releases)


@dataclass(frozen=True)
class StatusGroup:
    stage: Stage
    statuses: list[Status]


@dataclass
class CardState:
    """What the cards need beside their release: the choices of their form, their approval
    state, and the one card whose move was refused (its message, what was typed) or that
    just moved (focus goes to it)."""

    can_move: bool
    stages: list[Stage]
    status_groups: list[StatusGroup]
    approval: dict[int, approvals.CurrentApproval]
    # The freeze windows each card's schedule meets (a window made after it was scheduled).
    freezes: dict[int, tuple[Flag, ...]] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)
    failed: int | None = None
    typed: dict[str, str] = field(default_factory=dict)
    focus: int | None = None

    def approval_of(self, release: Release) -> str:
        """The approval of the release's current stage in words."""
        current = self.approval.get(release.id, approvals.NO_APPROVAL)
        return {
            StageApproval.NONE: "None",
            StageApproval.APPROVED: "Approved",
            StageApproval.REJECTED: "Rejected",
        }.get(current.state, f"Waiting ({current.approved} of {current.approvals})")

    def approval_kind(self, release: Release) -> str:
        state = self.approval.get(release.id, approvals.NO_APPROVAL).state
        return {StageApproval.PENDING: "waiting", StageApproval.NONE: ""}.get(state, str(state))

    def value(self, release: Release, name: str) -> str:
        """A field of the card's form: what was typed when its move was refused; else the
        release's current stage and no status (the chosen stage's first one) or comment."""
        if release.id == self.failed:
            return self.typed.get(name, "")
        return str(release.stage.id) if name == "stage" else ""

    def error(self, release: Release, name: str) -> str | None:
        return self.errors.get(field_id(release.id, name))

    def general_errors(self, release: Release) -> list[str]:
        return self.errors.general if release.id == self.failed else []


def field_id(release_id: int, name: str) -> str:
    """The id of a field of a card's form (unique on the page; the error summary links it)."""
    return f"move-{release_id}-{name}"


def _release_id(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 18):
        raise NotFound(f"No release with id '{text}'", "id")
    return int(text)


def _is_open(release: Release) -> bool:
    return not release.in_trash and not release.stage.is_closure


async def _columns(ctx: PageContext, stages: Sequence[Stage], keep: int | None) -> list[Column]:
    """Each stage's newest open releases, filtered by stage in the database. `keep` is a
    release to show even if older than a column's newest (the card just moved, or refused)."""
    columns: list[Column] = []
    for stage in stages:
        if stage.is_closure:  # a release in Closure is closed: never on the board
            columns.append(Column(stage, [], 0))
            continue
        query = Query(
            filter=Condition("stage", Op.IS, (Ref(id=stage.id),)),
            sorts=(Sort("created_time", descending=True),),
            limit=COLUMN_SIZE,
            with_total=True,
        )
        found = await releases.list_releases(ctx.session, ctx.me, query, ReleaseFilter.OPEN, PARTS)
        columns.append(Column(stage, found.rows, found.total or 0))
    if keep is not None and not any(r.id == keep for c in columns for r in c.releases):
        try:
            kept = await releases.get_release(ctx.session, ctx.me, keep)
        except ReleaseDeskError:
            return columns
        if _is_open(kept):
            columns = [
                Column(c.stage, [kept, *c.releases], c.total) if c.stage.id == kept.stage.id else c
                for c in columns
            ]
    return columns


async def _card_state(ctx: PageContext, stages: list[Stage], shown: list[Release]) -> CardState:
    statuses = await workflow.list_statuses(ctx.session, ctx.me.portal_id)
    groups = [StatusGroup(s, [t for t in statuses if t.stage_id == s.id]) for s in stages]
    return CardState(
        can_move=ctx.me.is_staff,
        stages=stages,
        status_groups=[g for g in groups if g.statuses],
        approval=await approvals.current_approvals(ctx.session, ctx.me, shown),
        freezes=await freeze_flags.flags_of(
            ctx.session,
            ctx.me.portal_id,
            [(r.id, r.scheduled_start_time, r.scheduled_end_time) for r in shown],
            dt.datetime.now(dt.UTC),
        ),
    )


async def _board_values(ctx: PageContext, keep: int | None) -> dict[str, Any]:
    stages = await workflow.list_stages(ctx.session, ctx.me.portal_id)
    columns = await _columns(ctx, stages, keep)
    shown = [r for c in columns for r in c.releases]
    return {
        "columns": columns,
        "cards": await _card_state(ctx, stages, shown),
        "engineer": RoleName.ENGINEER,
    }


def _moved_id(ctx: PageContext) -> int | None:
    text = ctx.query("moved")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 18 else None


@page
async def board(ctx: PageContext) -> Response:
    """Every stage's open releases as cards; staff move them from here."""
    moved = _moved_id(ctx)
    values = await _board_values(ctx, moved)
    values["cards"].focus = moved
    return ctx.render("board/board.html", **values)


async def _refused(
    ctx: PageContext, release_id: int, errors: FormErrors, status: int = 422
) -> Response:
    """The board again with the refusal beside the card's form (with htmx, the card alone),
    keeping what was typed."""
    typed = {name: ctx.field(name) for name in MOVE_FIELDS}
    if ctx.htmx:
        release = await releases.get_release(ctx.session, ctx.me, release_id)
        stages = await workflow.list_stages(ctx.session, ctx.me.portal_id)
        one = await _card_state(ctx, stages, [release])
        one.errors, one.failed, one.typed = errors, release_id, typed
        return ctx.render(
            "board/_card.html", status=status, r=release, cards=one, engineer=RoleName.ENGINEER
        )
    values = await _board_values(ctx, release_id)
    cards: CardState = values["cards"]
    cards.errors, cards.failed, cards.typed = errors, release_id, typed
    return ctx.render("board/board.html", status=status, errors=errors, **values)


def _form_errors(release_id: int, error: ReleaseDeskError) -> FormErrors:
    """A core refusal beside the card's field it names, else at the top of its form."""
    errors = FormErrors()
    if error.field in MOVE_FIELDS:
        errors.add(field_id(release_id, error.field), error.message)
    else:
        errors.general.append(error.message)
    return errors


@page
async def move_release(ctx: PageContext) -> Response:
    """Move one release to a stage (and a status of it) with a comment: the core's
    update, with every rule and gate of the APIs; a refusal is shown beside the form."""
    release_id = _release_id(str(ctx.request.path_params["id"]))
    form = FormErrors()
    stage = id_field(ctx, "stage", form)
    status = id_field(ctx, "status", form)
    comment = ctx.field("comment")
    # The core's rule first: a requester may not move a release, whatever the form says.
    releases.require_workflow_rights(ctx.me, ReleaseChanges.of(stage=None))
    if stage is None and not form.get("stage"):
        form.add("stage", "Choose a stage to move the release to")
    if len(comment) > MAX_COMMENT:
        form.add("comment", f"Enter a comment of at most {MAX_COMMENT} characters")
    if form:
        errors = FormErrors()
        for name, message in form.by_field.items():
            errors.add(field_id(release_id, name), message)
        await releases.get_release(ctx.session, ctx.me, release_id)  # 404 for no such release
        return await _refused(ctx, release_id, errors)
    values: dict[str, object] = {"stage": Ref(id=stage)}
    if status is not None:
        values["status"] = Ref(id=status)
    if comment:
        values["comment"] = comment
    try:
        before = await releases.get_release(ctx.session, ctx.me, release_id)
        if stage == before.stage.id and status in (None, before.status.id) and not comment:
            errors = FormErrors()
            errors.add(
                field_id(release_id, "stage"),
                f"Release {release_id} is already in {before.stage.name}: choose another "
                "stage or a status",
            )
            return await _refused(ctx, release_id, errors)
        moved = await releases.update_release(
            ctx.session, ctx.me, release_id, ReleaseChanges.of(**values)
        )
    except ReleaseDeskError as error:
        if error.kind in (ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND):
            raise
        raise Rerender(
            lambda fresh, e: _refused(fresh, release_id, _form_errors(release_id, e)), error
        ) from error
    message = f"Release {moved.id} moved to {moved.stage.name}."
    if not ctx.htmx:
        return ctx.redirect(ctx.url("board", moved=moved.id) + f"#card-{moved.id}", flash=message)
    values_now = await _board_values(ctx, moved.id)
    values_now["cards"].focus = moved.id
    response = ctx.render("board/_moved.html", message=message, **values_now)
    response.headers["HX-Retarget"] = "#board"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/board", board, methods=["GET"]),
        Route("/releases/{id}/move", move_release, methods=["POST"]),
    ]
