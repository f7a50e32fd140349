"""Substring search on release titles through each database's own index.

PostgreSQL: `lower(title) LIKE '%…%'`, served by the pg_trgm GIN index (the planner picks it
over an ordered scan when the text is rare). SQLite: a phrase query on the FTS5 trigram table
`releases_fts` (kept in step by triggers): with the trigram tokenizer a quoted phrase is an
exact, case-insensitive substring match, answered from the index without reading the rows;
"starts with" and "ends with" add the anchored LIKE on top. Texts shorter than a trigram
fall back to a LIKE scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    LargeBinary,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from releasedesk.db.models import Release

FTS_TABLE = table("releases_fts", literal_column("rowid"))
TRIGRAM = 3


def same_text(column: Any, text: str) -> ColumnElement[bool]:
    """`column` equals `text` in any case, folded by the database on both sides (SQLite's
    lower() folds ASCII only: comparing with Python's lower() would miss non-ASCII names)."""
    return func.lower(column) == func.lower(literal(text.strip(), String))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class TitleSubstring(ColumnElement[bool]):
    """The title contains / starts with / ends with `text`, in any case.

    The text is a bound parameter (the LIKE pattern, the FTS phrase), never part of the SQL
    or of its cache key: the key is the shape (the kind, per row or not, and on SQLite
    whether the text is shorter than a trigram and whether it is ASCII), so SQLAlchemy's
    compiled cache holds one statement per shape however many texts clients search for.
    Keyed by the text instead, each new text compiled its statement anew (31 % of a
    title-search list's CPU in the bench's profile when it was not cached at all) and took
    an entry of the bounded compiled cache.
    """

    type = Boolean()
    _traverse_internals = [
        ("kind", InternalTraversal.dp_string),
        ("per_row", InternalTraversal.dp_boolean),
        ("short", InternalTraversal.dp_boolean),
        ("ascii", InternalTraversal.dp_boolean),
        # The binds: their values are taken from each new statement at execution time.
        ("pattern", InternalTraversal.dp_clauseelement),
        ("phrase", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, kind: str, text: str, *, per_row: bool = False) -> None:
        if kind not in _PATTERNS:
            raise ValueError(f"unknown kind of title match {kind!r}")
        text = text.lower()
        self.kind = kind
        self.per_row = per_row
        self.short = len(text) < TRIGRAM
        self.ascii = text.isascii()
        self.pattern: BindParameter[str] = bindparam(
            None, _PATTERNS[kind].format(escape_like(text)), String, unique=True
        )
        self.phrase: BindParameter[str] = bindparam(None, _quoted(text), String, unique=True)

    def pattern_match(self) -> ColumnElement[bool]:
        return func.lower(Release.title).like(self.pattern, escape="\\")


_PATTERNS = {"contains": "%{}%", "starts": "{}%", "ends": "%{}"}


def _quoted(text: str) -> str:
    """`text` as an FTS5 phrase: in double quotes, each one inside doubled."""
    return '"' + text.replace('"', '""') + '"'


def _rowids_matching(searched: BindParameter[str]) -> Select[Any]:
    """The rowids of `releases_fts` matching the phrase bound as `searched`."""
    return (
        select(literal_column("rowid"))
        .select_from(FTS_TABLE)
        .where(literal_column("releases_fts").op("MATCH")(searched))
    )


@compiles(TitleSubstring)
def _compile_default(element: TitleSubstring, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.pattern_match(), **kw)


@compiles(TitleSubstring, "sqlite")
def _compile_sqlite(element: TitleSubstring, compiler: SQLCompiler, **kw: Any) -> str:
    if element.short:
        return _compile_default(element, compiler, **kw)
    matches = _rowids_matching(element.phrase)
    clause: ColumnElement[bool]
    if element.per_row and element.ascii:
        clause = _per_row(element, matches)
    else:
        clause = Release.id.in_(matches)
        if element.kind != "contains":
            clause = and_(clause, element.pattern_match())
    return compiler.process(clause, **kw)


def _per_row(element: TitleSubstring, matches: Select[Any]) -> ColumnElement[bool]:
    """The same test as the FTS phrase, made on the row at hand, for a text in ASCII.

    The trigram tokenizer folds case over Unicode; SQLite's lower() and LIKE fold ASCII only.
    For an ASCII text the two agree on every title in ASCII (its length in characters is its
    length in bytes), which the LIKE answers in a microsecond; any other title asks the FTS
    index for its own rowid (`rowid = ?` and MATCH, no list of all matches).
    """
    in_ascii = func.length(Release.title) == func.length(cast(Release.title, LargeBinary))
    own_row: ColumnElement[bool] = matches.where(literal_column("rowid") == Release.id).exists()
    if element.kind != "contains":
        own_row = and_(own_row, element.pattern_match())
    return case((in_ascii, element.pattern_match()), else_=own_row)


def title_like(kind: str, text: str) -> ColumnElement[bool]:
    """kind: contains, starts, ends."""
    return TitleSubstring(kind, text)


def title_like_per_row(kind: str, text: str) -> ColumnElement[bool]:
    """title_like tested on each row it is asked of, never listing every match: for a scan
    that stops early (SQLite; elsewhere the same as title_like)."""
    return TitleSubstring(kind, text, per_row=True)


# SQLite: the ids of the titles holding a phrase (the FTS phrase `TitleSubstring` compiles to
# for `contains`), at most `bound` of them: built once, run on the driver (db/driver.py),
# since a common text's probe returns a thousand rows (core/releases/title_ids.py).
PHRASE_MATCHES = _rowids_matching(bindparam("phrase", type_=String)).limit(
    bindparam("bound", type_=Integer)
)


def phrase(text: str) -> str | None:
    """`text` as an FTS5 phrase (case folded by the trigram tokenizer); None for a text
    shorter than a trigram, which the index cannot answer."""
    text = text.lower()
    return None if len(text) < TRIGRAM else _quoted(text)
