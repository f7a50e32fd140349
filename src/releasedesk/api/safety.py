"""Last line of defence: an unexpected exception becomes a logged 500 in the dialect's format,
its log record of bounded size (failure_log.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from releasedesk.failure_log import failure_summary

log = logging.getLogger("releasedesk.api")


class CatchAllMiddleware:
    """Answer `render()` for any exception raised before the response started; log the rest."""

    def __init__(self, app: ASGIApp, render: Callable[[Scope], Response]) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            return  # the client went away mid-request: nobody is left to answer
        except Exception as exc:
            log.error(
                "unhandled error on %s %s:\n%s",
                scope.get("method"),
                str(scope.get("path"))[:500],
                failure_summary(exc),
            )
            if started:
                raise
            await self.render(scope)(scope, receive, send)
