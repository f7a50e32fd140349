"""My approvals: what waits on the signed-in user (asked of them, or of someone away who named
them their delegate), each with a Comment and Approve / Reject, and what they decided lately.

What waits and what was decided come from core/approvals/inbox.py; a decision is
core/approvals/decisions.decide, exactly as SDP's `_approve` and `_reject` take it: the core
says whether the approval is the caller's to decide (a forged form for someone else's gets
the 403 page, and the unit of work rolls back), whether it can still be decided, whether the
portal's policy lets the caller approve their own release, and whether the comment is
acceptable. A refused decision is shown beside its control, on the row again read fresh
(`inbox.entry`): an approval someone else settled meanwhile says who and when.

Without JavaScript the form posts and the page comes back with a flash; with htmx the row
alone is replaced, by a confirmation that takes the focus, or by the row with its message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.approvals import decisions, inbox
from releasedesk.core.approvals.rules import MAX_COMMENTS
from releasedesk.core.approvals.views import (
    ApprovalStatus,
    Channel,
    InboxEntry,
    InboxItem,
    Settled,
)
from releasedesk.core.errors import Forbidden, Invalid, NotFound, ReleaseDeskError
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import FormErrors
from releasedesk.web.templating import relative

VERDICTS = {"approve": ApprovalStatus.APPROVED, "reject": ApprovalStatus.REJECTED}


@dataclass(frozen=True)
class Row:
    """One approval as its row shows it: with its form while it can be decided; with what
    was typed and the message beside the control after a refusal (`error_at` "comment" or
    "decision"); or, once settled by someone else, who did it and when instead of a form."""

    item: InboxItem
    decidable: bool = True
    comment: str = ""
    error_at: str | None = None
    error: str | None = None
    settled: Settled | None = None
    error_after: str = ""  # after the moment, when `settled` names one

    @property
    def error_text(self) -> str:
        """The message in plain words (the moment relative), as the error summary has it."""
        if self.settled is None:
            return self.error or ""
        return f"{self.error} {_when_words(self.settled.on)}{self.error_after}"

    @property
    def id(self) -> int:
        return self.item.approval_id

    @property
    def characters_left(self) -> int:
        return MAX_COMMENTS - len(self.comment)


@dataclass(frozen=True)
class Decision:
    """What the form sent: which approval, and the decision on it."""

    approval_id: int
    release_id: int
    level_id: int
    verdict: ApprovalStatus | None
    comment: str


def release_name(item: InboxItem) -> str:
    return f"R-{item.release_id}"


def _when_words(moment: dt.datetime | None) -> str:
    """The moment in words for a sentence: "5 minutes ago", "on 5 Dec 2026"."""
    if moment is None:
        return ""
    words = relative(moment)
    return words if words.endswith("ago") or words == "just now" else f"on {words}"


def settled_text(settled: Settled, item: InboxItem, me_id: int) -> tuple[str, str]:
    """Why the approval takes no decision now, as the words before and after its moment."""
    verb = settled.status.value  # "approved" or "rejected"
    by = settled.by
    who = "you" if by is not None and by.id == me_id else (by.name if by else "someone")
    if settled.of_level:
        level = f"Level {item.level} ({item.level_name})"
        return f"{level} was already {verb} by {who}", "; it takes no more decisions."
    if who == "you":
        return f"You already {verb} this", "."
    return f"Already {verb} by {who}", "."


def confirmation(item: InboxItem, verdict: ApprovalStatus, comment: str) -> str:
    text = f"You {verdict.value} {release_name(item)} “{item.release_title}”"
    text += f" ({item.stage.name}, level {item.level} — {item.level_name})"
    if item.on_behalf_of is not None:
        text += f" on behalf of {item.on_behalf_of.name}"
    text += "."
    if comment:
        text += f" Your comment: “{comment}”."
    return text


def _form_id(ctx: PageContext, name: str) -> int:
    text = ctx.field(name)
    if not (text.isascii() and text.isdigit() and 0 < len(text) < 18):
        raise Invalid(
            "This form lacks the approval's release or level: reload the page and try again",
            name,
        )
    return int(text)


def _comment_message(error: ReleaseDeskError) -> str:
    """The core's words on the comment, naming the field as the page does."""
    return error.message.replace("'comments'", "The comment")


async def _page(
    ctx: PageContext,
    refused: Row | None = None,
    errors: FormErrors | None = None,
) -> Response:
    """The page: what waits (a refused row in its place, or first when it no longer waits)
    and what the user decided recently."""
    waiting = await inbox.waiting_on(ctx.session, ctx.me)
    rows = [Row(item) for item in waiting]
    if refused is not None:
        at = next((n for n, row in enumerate(rows) if row.id == refused.id), None)
        if at is None:
            rows.insert(0, refused)
        else:
            rows[at] = refused
    return ctx.render(
        "approvals/page.html",
        status=422 if errors else 200,
        rows=rows,
        decided=await inbox.decided_recently(ctx.session, ctx.me),
        errors=errors or FormErrors(),
        waiting_now=len(waiting),
    )


@page
async def my_approvals(ctx: PageContext) -> Response:
    return await _page(ctx)


def _read_decision(ctx: PageContext) -> Decision:
    approval_id = int(ctx.request.path_params["approval_id"])
    if approval_id >= 10**17:  # beyond any id (and a PostgreSQL bigint)
        raise NotFound(f"No approval with id '{approval_id}'", "id")
    return Decision(
        approval_id=approval_id,
        release_id=_form_id(ctx, "release_id"),
        level_id=_form_id(ctx, "level_id"),
        verdict=VERDICTS.get(ctx.field("decision")),
        comment=ctx.field("comment"),
    )


@page
async def decide(ctx: PageContext) -> Response:
    """Approve or reject one approval through the core, then confirm it (the row, or the
    page with a flash)."""
    sent = _read_decision(ctx)
    try:
        if sent.verdict is None:
            raise Invalid("Choose Approve or Reject", "decision")
        await decisions.decide(
            ctx.session,
            ctx.me,
            sent.release_id,
            sent.level_id,
            sent.approval_id,
            sent.verdict,
            sent.comment or None,
            channel=Channel.WEB,
        )
    except (Forbidden, NotFound):
        raise  # not the caller's, or not there: the error page; nothing was changed
    except ReleaseDeskError as error:
        raise Rerender(lambda fresh, e: _refused(fresh, sent, e), error) from error
    done = await inbox.entry(ctx.session, ctx.me, sent.release_id, sent.level_id, sent.approval_id)
    message = confirmation(done.item, sent.verdict, sent.comment)
    if not ctx.htmx:
        return ctx.redirect("approvals", flash=message)
    return ctx.render(
        "approvals/_done.html",
        item=done.item,
        message=message,
        decided=await inbox.decided_recently(ctx.session, ctx.me),
        waiting_now=await inbox.waiting_count(ctx.session, ctx.me),
    )


async def _refused(ctx: PageContext, sent: Decision, error: ReleaseDeskError) -> Response:
    """The refused decision beside its control, on a fresh read of the approval."""
    entry: InboxEntry | None
    try:
        entry = await inbox.entry(
            ctx.session, ctx.me, sent.release_id, sent.level_id, sent.approval_id
        )
    except ReleaseDeskError:
        entry = None  # no longer theirs to see: the core's refusal is all there is to say
    errors = FormErrors()
    if entry is None:
        if ctx.htmx:
            return ctx.redirect("approvals", flash=error.message)
        errors.general.append(error.message)
        return await _page(ctx, errors=errors)
    row = _refused_row(ctx, entry, sent, error)
    at = f"comment-{row.id}" if row.error_at == "comment" else f"approval-{row.id}"
    errors.add(at, row.error_text)
    if ctx.htmx:
        return ctx.render("approvals/_row.html", status=422, row=row, focus=True)
    return await _page(ctx, row, errors)


def _refused_row(
    ctx: PageContext, entry: InboxEntry, sent: Decision, error: ReleaseDeskError
) -> Row:
    if entry.settled is not None:
        before, after = settled_text(entry.settled, entry.item, ctx.me.user_id)
        return Row(
            entry.item, decidable=False, error=before, error_after=after, settled=entry.settled
        )
    if error.field == "comments":
        return Row(
            entry.item, comment=sent.comment, error_at="comment", error=_comment_message(error)
        )
    # The release closed or in the trash, the approval not sent: no form to offer again.
    decidable = error.field not in ("id", "status")
    return Row(
        entry.item,
        decidable=decidable,
        comment=sent.comment,
        error_at="decision",
        error=error.message,
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/approvals", my_approvals, methods=["GET"]),
        Route("/approvals/{approval_id:int}/decide", decide, methods=["POST"]),
    ]
