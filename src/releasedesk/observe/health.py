"""Health for orchestrators and load balancers: `/healthz` says the process answers (no
database touched, so a slow database never gets a live process restarted); `/readyz` says it
can serve: the database answers and its schema is at the packaged migrations' head, else 503
with the reason (a server started before `db upgrade`, or a database restored from an older
backup, is taken out of rotation instead of failing requests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from releasedesk.db.migrate import current_revision, head_revision
from releasedesk.db.session import Database

_NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


def readyz_for(database: Database) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The /readyz endpoint over `database`."""
    head = head_revision()

    async def readyz(request: Request) -> JSONResponse:
        try:
            async with database.unit_of_work(writes=False) as session:
                current = await current_revision(session)
        except (SQLAlchemyError, OSError) as error:
            reason = f"the database does not answer ({type(error).__name__})"
            return _unready(reason)
        if current is None:
            return _unready("the database has no schema: run `releasedesk db upgrade`")
        if current != head:
            return _unready(
                f"the schema is at {current}, this server needs {head}:"
                " run `releasedesk db upgrade`"
            )
        return JSONResponse({"status": "ready", "schema": current}, headers=_NO_STORE)

    return readyz


def _unready(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "reason": reason}, 503, headers=_NO_STORE)
