"""Call an endpoint written for FastAPI without FastAPI: what the fast path runs.

Every endpoint is written one way, FastAPI's: path parameters by name, the `Request`, and
`Annotated[T, Depends(f)]` dependencies (the session, the caller, "no input"). The mounted
app lets FastAPI solve them. A hot route (api/front_routes.py) is answered before the
routing, where FastAPI's dependency solving was a large part of a GET's CPU, so its
endpoint is called through a plan made once at start: which dependency to run in which
order with which arguments. Only what the dialects' endpoints use is supported: `Request`,
path parameters (`str`), and dependencies that are async functions or async generators
(entered like FastAPI's, each once per request, closed after the endpoint returned with its
exception thrown in). Anything else in a hot endpoint's signature is refused at start, not
guessed at.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from fastapi.params import Depends
from starlette.requests import Request
from starlette.responses import Response

DirectCall = Callable[[Request, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Argument:
    """Where an argument comes from: the request, a path parameter, or an earlier step."""

    name: str
    source: Literal["request", "path", "value"]
    path_name: str = ""
    step: int = 0


@dataclass(frozen=True)
class _Step:
    """One function to call: a dependency (its value kept at its index) or the endpoint."""

    function: Callable[..., Any]
    arguments: tuple[_Argument, ...]
    enters: bool  # an async generator: entered as a context, left after the endpoint


def direct_call(
    endpoint: Callable[..., Awaitable[Response]], path_names: Sequence[str]
) -> DirectCall:
    """`endpoint` as `call(request, path_params)`, its dependencies solved by a fixed plan."""
    steps: list[_Step] = []
    index_of: dict[Callable[..., Any], int] = {}
    final = _step(endpoint, frozenset(path_names), steps, index_of, enters=False)
    plan = tuple(steps)

    async def call(request: Request, path: dict[str, str]) -> Response:
        async with AsyncExitStack() as stack:
            values: list[Any] = []
            for step in plan:
                kwargs = _arguments(step, request, path, values)
                if step.enters:
                    entered: AbstractAsyncContextManager[Any] = step.function(**kwargs)
                    values.append(await stack.enter_async_context(entered))
                else:
                    values.append(await step.function(**kwargs))
            response: Response = await endpoint(**_arguments(final, request, path, values))
            return response

    return call


def _arguments(
    step: _Step, request: Request, path: dict[str, str], values: list[Any]
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for argument in step.arguments:
        if argument.source == "value":
            kwargs[argument.name] = values[argument.step]
        elif argument.source == "path":
            kwargs[argument.name] = path[argument.path_name]
        else:
            kwargs[argument.name] = request
    return kwargs


def _step(
    function: Callable[..., Any],
    path_names: frozenset[str],
    steps: list[_Step],
    index_of: dict[Callable[..., Any], int],
    *,
    enters: bool,
) -> _Step:
    """The step calling `function`, after appending the steps of the dependencies it needs
    that are not planned yet (FastAPI's cache: one value per dependency and request)."""
    hints = typing.get_type_hints(function, include_extras=True)
    arguments: list[_Argument] = []
    for name, parameter in inspect.signature(function).parameters.items():
        hint = hints.get(name)
        dependency = _dependency_of(hint)
        if dependency is not None:
            if dependency not in index_of:
                generator = inspect.isasyncgenfunction(dependency)
                wrapped = asynccontextmanager(dependency) if generator else dependency
                step = _step(wrapped, path_names, steps, index_of, enters=generator)
                # Planned under the original function: FastAPI's cache key.
                index_of[dependency] = len(steps)
                steps.append(step)
            arguments.append(_Argument(name, "value", step=index_of[dependency]))
        elif hint is Request or (isinstance(hint, type) and issubclass(hint, Request)):
            arguments.append(_Argument(name, "request"))
        elif name in path_names and hint is str:
            arguments.append(_Argument(name, "path", path_name=name))
        else:
            where = f"{function.__module__}.{function.__qualname__}"
            raise TypeError(
                f"{where}: parameter {name!r} ({parameter.annotation}) cannot be given on the "
                "fast path (a Request, a path parameter or an Annotated Depends only)"
            )
    return _Step(function, tuple(arguments), enters)


def _dependency_of(hint: object) -> Callable[..., Any] | None:
    """`f` of `Annotated[T, Depends(f)]`, else None."""
    if typing.get_origin(hint) is not typing.Annotated:
        return None
    for extra in typing.get_args(hint)[1:]:
        if isinstance(extra, Depends) and extra.dependency is not None:
            return extra.dependency
    return None
