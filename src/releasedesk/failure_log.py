"""An unexpected failure as one log record of bounded size, for every front (the APIs' last
resort, the web UI's): the exception's type and message, its cause's, and the outermost and
innermost frames of their tracebacks. A RecursionError's full traceback was about 140 KB (a
thousand frames) for every request that sent a deep search.
"""

from __future__ import annotations

import traceback

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
