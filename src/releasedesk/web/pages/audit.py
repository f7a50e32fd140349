"""Audit (administrators only): the portal's audit trail, newest first, 50 entries a page,
filtered by kind of event and by a start date; the next page is keyed by the last entry's
place in the chain (`before`), so a page never shifts when events are added meanwhile.
Whether the chain is intact is `releasedesk audit verify`'s to say, on the server."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import AuditEntry, AuditKind, JsonValue, subject_words
from releasedesk.web.context import PageContext, page
from releasedesk.web.forms import FormErrors

PAGE_SIZE = 50
KIND_WORDS = {
    AuditKind.SIGN_IN_FAILED: "Sign-in failed",
    AuditKind.SIGN_IN_THROTTLED: "Sign-ins held back",
    AuditKind.USER_ADDED: "User added",
    AuditKind.USER_DEACTIVATED: "User deactivated",
    AuditKind.USER_ACTIVATED: "User activated",
    AuditKind.ROLE_CHANGED: "Role changed",
    AuditKind.PASSWORD_SET: "Password set",
    AuditKind.KEY_CREATED: "API key created",
    AuditKind.KEY_REVOKED: "API key revoked",
    AuditKind.KEY_EXPIRED_REFUSED: "Expired API key refused",
    AuditKind.KEY_REVOKED_REFUSED: "Revoked API key refused",
    AuditKind.APPROVAL_DECIDED: "Approval decided",
    AuditKind.APPROVAL_DELEGATED: "Approval sent to a delegate",
    AuditKind.AWAY_SET: "Away period set",
    AuditKind.AWAY_CLEARED: "Away period ended",
    AuditKind.SELF_APPROVAL_POLICY_SET: "Self-approval policy set",
    AuditKind.RELEASE_CLOSED: "Release closed",
    AuditKind.RELEASE_TRASHED: "Release moved to the trash",
    AuditKind.RELEASE_RESTORED: "Release restored",
    AuditKind.RELEASE_DELETED: "Release deleted permanently",
}


@dataclass(frozen=True, slots=True)
class KindChoice:
    id: str
    name: str


KINDS = sorted((KindChoice(k.value, w) for k, w in KIND_WORDS.items()), key=lambda c: c.name)


@dataclass(frozen=True, slots=True)
class Row:
    """One entry as the page shows it."""

    entry: AuditEntry
    kind: str
    about: str
    details: list[tuple[str, str]]


def _value(value: JsonValue) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        if "title" in value:
            return f"#{value.get('id')} {value['title']}"
        return ", ".join(f"{k}: {_value(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def row_of(entry: AuditEntry) -> Row:
    words = (
        KIND_WORDS.get(entry.kind, str(entry.kind))
        if isinstance(entry.kind, AuditKind)
        else str(entry.kind)
    )
    details = [
        (name.replace("_", " ").capitalize(), _value(value))
        for name, value in sorted(entry.detail.items())
        if name != "release"
    ]
    return Row(entry, words, subject_words(entry), details)


def _since(text: str, errors: FormErrors) -> dt.datetime | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        errors.add("since", "Enter a date as YYYY-MM-DD, for example 2026-12-01")
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@page
async def audit_list(ctx: PageContext) -> Response:
    """The Audit page; anyone but an administrator gets the core's refusal as a 403 page."""
    errors = FormErrors()
    kind_text = ctx.query("kind")
    kind = AuditKind(kind_text) if kind_text in {k.value for k in AuditKind} else None
    if kind_text and kind is None:
        errors.add("kind", "Choose a kind of event from the list")
    since_text = ctx.query("since")
    since = _since(since_text, errors)
    before_text = ctx.query("before")
    before = int(before_text) if before_text.isascii() and before_text.isdigit() else None
    if before is not None and not 0 < before < 2**63:
        before = None
    entries = await audit.portal_page(
        ctx.session,
        ctx.me,
        kinds=frozenset() if kind is None else frozenset({kind}),
        since=since,
        before_seq=before,
        size=PAGE_SIZE + 1,
    )
    shown = list(entries[:PAGE_SIZE])
    older = shown[-1].chain_seq if len(entries) > PAGE_SIZE else None
    return ctx.render(
        "audit/list.html",
        status=400 if errors else 200,
        errors=errors,
        rows=[row_of(e) for e in shown],
        kinds=KINDS,
        kind=kind_text,
        since=since_text,
        filtered=bool(kind or since),
        first_page=before is None,
        older=older,
    )


def routes() -> list[BaseRoute]:
    return [Route("/audit", audit_list, methods=["GET"])]
