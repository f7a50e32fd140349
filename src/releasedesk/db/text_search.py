"""Substring search on release titles through each database's own index.

PostgreSQL: `lower(title) LIKE '%…%'` served by the pg_trgm GIN index. SQLite: the same
LIKE run against the FTS5 trigram table `releases_fts` (kept in step by triggers), which
serves it from its index; a pattern that needs an ESCAPE clause (the text holds % or _)
falls back to a plain scan, since FTS5 cannot use its index with ESCAPE.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import Boolean

from releasedesk.db.models import Release

FTS_TABLE = table("releases_fts", literal_column("rowid"), literal_column("title"))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TitleLike(ColumnElement[bool]):
    """`title LIKE pattern`, case-insensitive, compiled per database to use its index."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, pattern: str, needs_escape: bool) -> None:
        self.pattern = pattern
        self.needs_escape = needs_escape


@compiles(TitleLike)
def _compile_default(element: TitleLike, compiler: SQLCompiler, **kw: Any) -> str:
    escape = "\\" if element.needs_escape else None
    clause = func.lower(Release.title).like(element.pattern, escape=escape)
    return compiler.process(clause, **kw)


@compiles(TitleLike, "sqlite")
def _compile_sqlite(element: TitleLike, compiler: SQLCompiler, **kw: Any) -> str:
    if element.needs_escape:
        return _compile_default(element, compiler, **kw)
    matches: Select[Any] = (
        select(literal_column("rowid"))
        .select_from(FTS_TABLE)
        .where(literal_column("releases_fts.title").like(element.pattern))
    )
    return compiler.process(Release.id.in_(matches), **kw)


def title_like(kind: str, text: str) -> ColumnElement[bool]:
    """kind: contains, starts, ends."""
    lowered = text.lower()
    needs_escape = any(ch in lowered for ch in "%_\\")
    needle = escape_like(lowered) if needs_escape else lowered
    pattern = {"contains": f"%{needle}%", "starts": f"{needle}%", "ends": f"%{needle}"}[kind]
    return TitleLike(pattern, needs_escape)
