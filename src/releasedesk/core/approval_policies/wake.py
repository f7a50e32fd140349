"""Waking the scheduler of this process early: a transaction that writes a due action notes
it, and once that transaction commits the runners registered for its database are woken,
so a reminder due in two seconds is not left to the runner's idle wait. Other processes'
runners find it at their next wake-up (their idle wait bounds how late that is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from releasedesk.db.session import held_by

_NOTED = "releasedesk.approval_scheduler.noted"
_WAKERS = "approval_scheduler.wakers"
Waker = Callable[[], None]


def register(held: dict[str, object], waker: Waker) -> None:
    """`waker` is called after each commit that wrote a due action to this database
    (`held`: the Database's own `held`, which its sessions carry)."""
    wakers = held.setdefault(_WAKERS, [])
    assert isinstance(wakers, list)
    wakers.append(waker)


def unregister(held: dict[str, object], waker: Waker) -> None:
    wakers = held.get(_WAKERS)
    if isinstance(wakers, list) and waker in wakers:
        wakers.remove(waker)


def note(session: AsyncSession) -> None:
    """The transaction of `session` wrote a due action: wake the runners when it commits."""
    held = held_by(session)
    if held is not None:
        session.info[_NOTED] = held


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    held: Any = session.info.pop(_NOTED, None)
    if isinstance(held, dict):
        for waker in list(held.get(_WAKERS) or ()):
            waker()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: object) -> None:
    if not session.in_transaction():
        session.info.pop(_NOTED, None)
