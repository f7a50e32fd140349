"""docs/architecture.md, "Where SQL lives": in the core only repositories run statements or
build them (and core/search/paging.py runs the page a repository hands it); services call
repositories. Read from the source, so a service that starts executing fails here.

The repositories are the modules the "Repositories belong to the core" contract in
pyproject.toml protects, so a new module of SQL is declared once, there, and is then both
allowed its SQL here and kept from dialects and pages there."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.one_database  # nothing here depends on the database

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "src" / "releasedesk" / "core"
RUNS = {"execute", "scalar", "scalars", "stream", "stream_scalars"}
BUILDS = {"select", "insert", "update", "delete", "text"}
# Besides the repositories: the pager runs what a repository hands it, and the throttle's
# Redis store runs Redis pipelines (no SQL); these two build expressions (a search field's
# column, a filter tree's WHERE clause) but never run them.
ALLOWED_TO_RUN = {"search/paging.py", "throttle/redis_store.py"}
ALLOWED_TO_BUILD = {"search/paging.py", "search/query.py", "releases/search_fields.py"}


def _repositories() -> list[re.Pattern[str]]:
    """The protected modules of the storage contract, as patterns over dotted names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"] == "Repositories belong to the core: nothing outside it imports one"
    ]
    return [
        re.compile(re.escape(expression).replace(r"\*\*", ".+").replace(r"\*", "[^.]+") + "$")
        for expression in contract["protected_modules"]
    ]


def _is_repository(path: str, repositories: list[re.Pattern[str]]) -> bool:
    dotted = "releasedesk.core." + path.removesuffix(".py").replace("/", ".")
    return any(pattern.match(dotted) for pattern in repositories)


def _sql_in(source: str) -> tuple[set[str], set[str]]:
    """The statement-running calls (`x.execute(...)`) and the SQLAlchemy statement builders
    imported (`from sqlalchemy import select`) in a module's source."""
    tree = ast.parse(source)
    runs = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RUNS
    }
    builds = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in BUILDS
    }
    return runs, builds


def _modules() -> dict[str, str]:
    return {
        path.relative_to(CORE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(CORE.rglob("*.py"))
    }


def test_only_repositories_run_or_build_statements() -> None:
    found = {}
    repositories = _repositories()
    for path, source in _modules().items():
        if _is_repository(path, repositories):
            continue
        runs, builds = _sql_in(source)
        if path in ALLOWED_TO_RUN:
            runs = set()
        if path in ALLOWED_TO_BUILD:
            builds = set()
        if runs or builds:
            found[path] = sorted(runs | builds)
    assert found == {}


def test_the_check_sees_the_repositories_sql() -> None:
    """What the scan looks for is what repositories are made of (else it would pass on
    anything)."""
    modules = _modules()
    repositories = _repositories()
    assert _is_repository("workflow/repository.py", repositories)
    assert _is_repository("releases/read_repository.py", repositories)
    assert not _is_repository("releases/service.py", repositories)
    runs, builds = _sql_in(modules["workflow/repository.py"])
    assert "execute" in runs
    assert "select" in builds
    assert _sql_in("async def f(session):\n    await session.execute(q)\n") == ({"execute"}, set())
