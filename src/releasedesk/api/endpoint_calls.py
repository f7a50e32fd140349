"""Call an endpoint written for FastAPI without FastAPI: what the fast path runs.

Every endpoint is written one way, FastAPI's: path parameters by name, the `Request`, and
`Annotated[T, Depends(f)]` dependencies (the session, the caller, "no input"). The mounted
app lets FastAPI solve them. A hot route (api/front_routes.py) is answered before the
routing, where FastAPI's dependency solving was a large part of a GET's CPU, so its endpoint
is called through a plan made once at start: which dependency to run in which order with
which arguments. Only what the dialects' endpoints use is supported: `Request`, path
parameters (`str`), and dependencies that are async functions or async generators (each once
per request, run to its `yield` and finished after the endpoint, or the endpoint's exception
thrown in, as FastAPI does). Anything else in a hot endpoint's signature is refused at
start, not guessed at.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.params import Depends
from starlette.requests import Request
from starlette.responses import Response

DirectCall = Callable[[Request, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Step:
    """One function to call, a dependency (its value kept at its index) or the endpoint,
    with where each argument comes from: the request, a path parameter, an earlier step."""

    function: Callable[..., Any]
    from_request: tuple[str, ...]  # argument names
    from_path: tuple[tuple[str, str], ...]  # (argument, path parameter)
    from_steps: tuple[tuple[str, int], ...]  # (argument, index of the step)
    enters: bool  # an async generator: run to its yield, finished after the endpoint


def direct_call(
    endpoint: Callable[..., Awaitable[Response]],
    path_names: Sequence[str],
    first: Sequence[Callable[..., Awaitable[Any]]] = (),
) -> DirectCall:
    """`endpoint` as `call(request, path_params)`, its dependencies solved by a fixed plan;
    `first`, dependencies run before the endpoint's own (FastAPI's app dependencies)."""
    steps: list[_Step] = []
    index_of: dict[Callable[..., Any], int] = {}
    names = frozenset(path_names)
    for dependency in first:
        _planned(dependency, names, steps, index_of)
    final = _step(endpoint, names, steps, index_of, enters=False)
    plan = tuple(steps)

    async def call(request: Request, path: dict[str, str]) -> Response:
        values: list[Any] = []
        open_generators: list[AsyncGenerator[Any]] = []
        try:
            for step in plan:
                kwargs = _arguments(step, request, path, values)
                if step.enters:
                    generator = step.function(**kwargs)
                    values.append(await anext(generator))
                    open_generators.append(generator)
                else:
                    values.append(await step.function(**kwargs))
            response: Response = await endpoint(**_arguments(final, request, path, values))
        except BaseException as exc:
            for generator in reversed(open_generators):
                await _throw(generator, exc)
            raise
        for generator in reversed(open_generators):
            await _finish(generator)
        return response

    return call


async def _finish(generator: AsyncGenerator[Any]) -> None:
    """Run a dependency's code after its `yield` (a generator yields once)."""
    try:
        await anext(generator)
    except StopAsyncIteration:
        return
    raise RuntimeError(f"{generator!r} yielded twice")


async def _throw(generator: AsyncGenerator[Any], exc: BaseException) -> None:
    """Throw the endpoint's exception in at the dependency's `yield` (its `except` and
    `finally` run, a unit of work rolls back); another exception it raises propagates,
    as from contextlib's context managers."""
    try:
        await generator.athrow(exc)
    except StopAsyncIteration:
        return  # it swallowed the exception: the caller re-raises it all the same
    except BaseException as raised:
        if raised is not exc:
            raise
    else:
        raise RuntimeError(f"{generator!r} did not stop after an exception")


def _arguments(
    step: _Step, request: Request, path: dict[str, str], values: list[Any]
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {name: request for name in step.from_request}
    for name, parameter in step.from_path:
        kwargs[name] = path[parameter]
    for name, index in step.from_steps:
        kwargs[name] = values[index]
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
    from_request: list[str] = []
    from_path: list[tuple[str, str]] = []
    from_steps: list[tuple[str, int]] = []
    for name, parameter in inspect.signature(function).parameters.items():
        hint = hints.get(name)
        dependency = _dependency_of(hint)
        if dependency is not None:
            index = _planned(dependency, path_names, steps, index_of)
            from_steps.append((name, index))
        elif hint is Request or (isinstance(hint, type) and issubclass(hint, Request)):
            from_request.append(name)
        elif name in path_names and hint is str:
            from_path.append((name, name))
        else:
            where = f"{function.__module__}.{function.__qualname__}"
            raise TypeError(
                f"{where}: parameter {name!r} ({parameter.annotation}) cannot be given on the "
                "fast path (a Request, a path parameter or an Annotated Depends only)"
            )
    return _Step(function, tuple(from_request), tuple(from_path), tuple(from_steps), enters)


def _planned(
    dependency: Callable[..., Any],
    path_names: frozenset[str],
    steps: list[_Step],
    index_of: dict[Callable[..., Any], int],
) -> int:
    """The index of `dependency`'s step, planned after its own dependencies if it was not
    yet (FastAPI's cache: each dependency once per request)."""
    if dependency not in index_of:
        generator = inspect.isasyncgenfunction(dependency)
        step = _step(dependency, path_names, steps, index_of, enters=generator)
        index_of[dependency] = len(steps)
        steps.append(step)
    return index_of[dependency]


def _dependency_of(hint: object) -> Callable[..., Any] | None:
    """`f` of `Annotated[T, Depends(f)]`, else None."""
    if typing.get_origin(hint) is not typing.Annotated:
        return None
    for extra in typing.get_args(hint)[1:]:
        if isinstance(extra, Depends) and extra.dependency is not None:
            return extra.dependency
    return None
