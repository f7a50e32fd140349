"""A release's events in the audit trail: closed, trashed, restored, deleted for good."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import NO_SUBJECT, AuditKind, actor_of, release_detail
from releasedesk.core.releases.views import Release


async def record_closed(
    session: AsyncSession, actor: Actor, release: Release, comment: str | None
) -> None:
    """Audit a release's close (by close_release, or by a change that moves it to Closure):
    the closure status it got and the comment given with it."""
    await audit.record(
        session,
        portal_id=release.portal_id,
        by=actor_of(actor),
        kind=AuditKind.RELEASE_CLOSED,
        subject=NO_SUBJECT,
        detail=release_detail(
            release.id, release.title, status=release.status.name, comment=comment
        ),
    )


async def record(session: AsyncSession, actor: Actor, release: Release, kind: AuditKind) -> None:
    await audit.record(
        session,
        portal_id=release.portal_id,
        by=actor_of(actor),
        kind=kind,
        subject=NO_SUBJECT,
        detail=release_detail(release.id, release.title),
    )
