"""Last line of defence: an unexpected exception becomes a logged 500 in the dialect's format.

The log gets one record of bounded size per failure: the exception's type and message, its
cause's, and the outermost and innermost frames of their tracebacks. A RecursionError's full
traceback was about 140 KB (a thousand frames) for every request that sent a deep search.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("releasedesk.api")

OUTER_FRAMES = 3  # where the request entered the code
INNER_FRAMES = 12  # where it failed
MAX_MESSAGE = 1000  # characters of an exception's message
MAX_RECORD = 8000  # characters of the whole record, whatever the frames hold


def failure_summary(exc: BaseException) -> str:
    """The exception as a few lines, its cause (and the cause's cause) first as Python
    prints them: type, message, and a traceback cut to its OUTER_FRAMES first and
    INNER_FRAMES last frames (the rest counted, not shown)."""
    chain: list[BaseException] = [exc]
    while len(chain) < 3:
        cause = chain[-1].__cause__ or (
            None if chain[-1].__suppress_context__ else chain[-1].__context__
        )
        if cause is None or cause in chain:
            break
        chain.append(cause)
    parts = [_cut_traceback(link) + _one_line(link) for link in reversed(chain)]
    text = "\nwhich caused:\n".join(parts)
    return text if len(text) <= MAX_RECORD else text[: MAX_RECORD - 20] + "\n... (cut)"


def _cut_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if len(frames) > OUTER_FRAMES + INNER_FRAMES:
        omitted = len(frames) - OUTER_FRAMES - INNER_FRAMES
        shown = [
            *traceback.format_list(frames[:OUTER_FRAMES]),
            f"  ... {omitted} frames omitted ...\n",
            *traceback.format_list(frames[-INNER_FRAMES:]),
        ]
    else:
        shown = traceback.format_list(frames)
    return "Traceback (most recent call last):\n" + "".join(shown)


def _one_line(exc: BaseException) -> str:
    message = str(exc)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + f"... ({len(message):,} characters)"
    return f"{type(exc).__qualname__}: {message}"


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
