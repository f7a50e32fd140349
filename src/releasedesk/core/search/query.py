"""The only search implementation: a filter tree, sorts and a page, compiled to SQL.

A dialect builds a `Query` from its own syntax (SDP's list_info) with values already in the
field's neutral type (text, int, bool, aware datetime, `Ref`); an area supplies the
`SearchField`s it can be searched on; `compile_query` turns both into SQLAlchemy clauses that
the area's repository runs in the database. No rows are ever filtered in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, String, and_, false, func, literal, not_, or_, true
from sqlalchemy.sql.elements import UnaryExpression

from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.limits import MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH
from releasedesk.core.refs import Ref
from releasedesk.core.text import unstorable
from releasedesk.db.text_search import escape_like


class Op(StrEnum):
    IS = "is"
    IS_NOT = "is not"
    CONTAINS = "contains"
    NOT_CONTAINS = "not contains"
    STARTS_WITH = "starts with"
    ENDS_WITH = "ends with"
    GT = "greater than"
    GTE = "greater or equal"
    LT = "lesser than"
    LTE = "lesser or equal"
    BETWEEN = "between"
    NOT_BETWEEN = "not between"
    MATCHES = "matches"  # `*` stands for any run of characters, any case


class FieldType(StrEnum):
    TEXT = "text"
    INT = "int"
    DATETIME = "datetime"
    BOOL = "bool"
    REF = "ref"  # a lookup: compared by id, or by name (any case)


TEXT_OPS = {Op.CONTAINS, Op.NOT_CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.MATCHES}
ORDER_OPS = {Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN, Op.NOT_BETWEEN}
OPS_BY_TYPE: dict[FieldType, set[Op]] = {
    FieldType.TEXT: {Op.IS, Op.IS_NOT} | TEXT_OPS,
    FieldType.INT: {Op.IS, Op.IS_NOT} | ORDER_OPS,
    FieldType.DATETIME: {Op.IS, Op.IS_NOT} | ORDER_OPS,
    FieldType.BOOL: {Op.IS, Op.IS_NOT},
    FieldType.REF: {Op.IS, Op.IS_NOT} | TEXT_OPS,
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: Op
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Group:
    """Children joined by AND or OR."""

    any_of: bool
    children: tuple[Node, ...]


Node = Condition | Group


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class Query:
    filter: Node | None = None
    sorts: tuple[Sort, ...] = ()
    offset: int = 0
    limit: int = 10
    with_total: bool = False
    # Count at most this many rows (None: all). A page that says "of 1,000+" past it costs
    # a bounded scan, where an exact count of a filtered 100,000-row list reads every row.
    total_cap: int | None = None


@dataclass(frozen=True)
class SearchField:
    """How one searchable field maps to SQL.

    `column` is compared for TEXT/INT/DATETIME/BOOL and holds the id for REF; `name_column`
    is a REF's name. `joins` are the outer joins the columns need (applied once per query).
    `predicate`, when set, replaces the column comparison (e.g. an EXISTS over role holders).
    """

    type: FieldType
    column: Any = None
    name_column: Any = None
    joins: tuple[Any, ...] = ()
    sortable: bool = True
    nullable: bool = True
    # For text fields: contains / starts with / ends with through a database index.
    substring: Callable[[str, str], ColumnElement[bool]] | None = None
    predicate: Callable[[Op, tuple[Any, ...]], ColumnElement[bool]] | None = None


@dataclass
class Compiled:
    where: ColumnElement[bool] | None
    order_by: list[UnaryExpression[Any]]
    joins: list[Any] = field(default_factory=list)


def _expect(value: object, kind: type | tuple[type, ...], field_name: str, what: str) -> Any:
    """A value the dialect has already converted to the field's type (bools are not ints)."""
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise WrongType(f"'{field_name}' needs {what}", field_name)
    if not isinstance(value, kind):
        raise WrongType(f"'{field_name}' needs {what}", field_name)
    return value


CONVERT: dict[FieldType, tuple[type | tuple[type, ...], str]] = {
    FieldType.INT: (int, "a number"),
    FieldType.DATETIME: (dt.datetime, "a time"),
    FieldType.BOOL: (bool, "true or false"),
}


def _to_text(value: object, field_name: str) -> str:
    if isinstance(value, Ref):
        value = value.name
    text: str = _expect(value, str, field_name, "a text value")
    if (what := unstorable(text)) is not None:  # PostgreSQL refuses a NUL even as a parameter
        raise Invalid(f"'{field_name}' holds {what}, which no text contains", field_name)
    return text


def _folded(text: str) -> ColumnElement[str]:
    """`text` lowered by the database, as the column is: both sides fold the same way, so a
    text always matches itself (SQLite's lower() folds ASCII only, PostgreSQL's any letter;
    lowering the text in Python would miss non-ASCII names on SQLite)."""
    return func.lower(literal(text, String))


def text_match(column: Any, op: Op, text: str) -> ColumnElement[bool]:
    lowered = func.lower(column)
    needle = escape_like(text)
    if op is Op.IS:
        return lowered == _folded(text)
    if op is Op.IS_NOT:
        return or_(column.is_(None), lowered != _folded(text))
    if op is Op.CONTAINS:
        return lowered.like(_folded(f"%{needle}%"), escape="\\")
    if op is Op.NOT_CONTAINS:
        return or_(column.is_(None), not_(lowered.like(_folded(f"%{needle}%"), escape="\\")))
    if op is Op.STARTS_WITH:
        return lowered.like(_folded(f"{needle}%"), escape="\\")
    if op is Op.MATCHES:
        pattern = "%".join(escape_like(part) for part in text.split("*"))
        return lowered.like(_folded(pattern), escape="\\")
    return lowered.like(_folded(f"%{needle}"), escape="\\")


SUBSTRING_KIND = {
    Op.CONTAINS: "contains",
    Op.NOT_CONTAINS: "contains",
    Op.STARTS_WITH: "starts",
    Op.ENDS_WITH: "ends",
}


def _text_condition(spec: SearchField, column: Any, op: Op, text: str) -> ColumnElement[bool]:
    if spec.substring is None or op not in SUBSTRING_KIND:
        return text_match(column, op, text)
    match = spec.substring(SUBSTRING_KIND[op], text)
    return not_(match) if op is Op.NOT_CONTAINS else match


def _ordered(column: Any, op: Op, values: list[Any], field_name: str) -> ColumnElement[bool]:
    if op in (Op.BETWEEN, Op.NOT_BETWEEN):
        if len(values) != 2:
            raise Invalid(f"'{op.value}' on '{field_name}' needs two values", field_name)
        low, high = sorted(values)
        inside = and_(column >= low, column <= high)
        return inside if op is Op.BETWEEN else or_(column.is_(None), not_(inside))
    if len(values) != 1:
        raise Invalid(f"'{op.value}' on '{field_name}' takes one value", field_name)
    value = values[0]
    return {
        Op.GT: column > value,
        Op.GTE: column >= value,
        Op.LT: column < value,
        Op.LTE: column <= value,
    }[op]


def _equality(column: Any, op: Op, values: list[Any]) -> ColumnElement[bool]:
    """`is` with several values means any of them; `is not` means none of them."""
    present = [v for v in values if v is not None]
    wants_null = len(present) != len(values)
    match = or_(
        *([column.in_(present)] if present else []), *([column.is_(None)] if wants_null else [])
    )
    if op is Op.IS:
        return match if (present or wants_null) else false()
    if wants_null:
        return not_(match)
    return or_(column.is_(None), column.not_in(present)) if present else true()


def _condition(cond: Condition, spec: SearchField) -> ColumnElement[bool]:
    if cond.op not in OPS_BY_TYPE[spec.type]:
        raise Invalid(f"condition '{cond.op.value}' cannot be used on '{cond.field}'", cond.field)
    if not cond.values:
        raise Invalid(f"'{cond.field}' needs a value", cond.field)
    if spec.predicate is not None:
        return spec.predicate(cond.op, cond.values)
    name = cond.field
    if spec.type is FieldType.TEXT or (spec.type is FieldType.REF and cond.op in TEXT_OPS):
        column = spec.column if spec.type is FieldType.TEXT else spec.name_column
        if cond.op in (Op.IS, Op.IS_NOT) and None in cond.values:
            return _equality(column, cond.op, list(cond.values))
        parts = [_text_condition(spec, column, cond.op, _to_text(v, name)) for v in cond.values]
        return and_(*parts) if cond.op in (Op.IS_NOT, Op.NOT_CONTAINS) else or_(*parts)
    if spec.type is FieldType.REF:
        return _ref_equality(spec, cond, name)
    kind, what = CONVERT[spec.type]
    values = [None if v is None else _expect(v, kind, name, what) for v in cond.values]
    if cond.op in ORDER_OPS:
        if None in values:
            raise Invalid(f"'{cond.op.value}' on '{name}' needs a value", name)
        return _ordered(spec.column, cond.op, values, name)
    return _equality(spec.column, cond.op, values)


def _ref_equality(spec: SearchField, cond: Condition, name: str) -> ColumnElement[bool]:
    """A lookup compared by id or by name (any case)."""
    matches: list[ColumnElement[bool]] = []
    for value in cond.values:
        if value is None:
            matches.append(spec.column.is_(None))
        elif isinstance(value, Ref) and value.id is not None:
            matches.append(spec.column == value.id)
        else:
            matches.append(func.lower(spec.name_column) == _to_text(value, name).lower())
    match = or_(*matches)
    if cond.op is Op.IS:
        return match
    return or_(spec.column.is_(None), not_(match)) if None not in cond.values else not_(match)


def check_filter(node: Node | None, field: str) -> None:
    """Refuse a filter tree past the core's bounds (core/limits.py), naming `field`: more
    conditions than MAX_FILTER_CONDITIONS, or AND/OR groups nested deeper than
    MAX_FILTER_DEPTH (SQLAlchemy compiles a group in about 7 Python frames). Walked without
    recursion, so any tree can be measured."""
    conditions = 0
    pending: list[tuple[Node, int]] = [] if node is None else [(node, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Condition):
            conditions += 1
            if conditions > MAX_FILTER_CONDITIONS:
                raise Invalid(f"'{field}' has more than {MAX_FILTER_CONDITIONS} conditions", field)
            continue
        if depth >= MAX_FILTER_DEPTH:
            raise Invalid(
                f"'{field}' nests AND/OR groups deeper than {MAX_FILTER_DEPTH} levels", field
            )
        pending.extend((child, depth + 1) for child in item.children)


def grouped(any_of: bool, left: Node, right: Node) -> Group:
    """`left` AND (or OR) `right`, a group of the same operator on the left taking `right`
    in: (a OR b) OR c is OR(a, b, c), one level, where a left fold of n criteria would
    nest n groups."""
    if isinstance(left, Group) and left.any_of == any_of:
        return Group(any_of, (*left.children, right))
    return Group(any_of, (left, right))


def _collect(
    node: Node, fields: Mapping[str, SearchField], joins: list[Any]
) -> ColumnElement[bool]:
    """The tree as one SQL condition, built bottom-up without recursion (a tree's depth
    costs no Python frames here; `check_filter` bounds what the SQL compiler will walk)."""
    results: list[ColumnElement[bool]] = []
    pending: list[tuple[Node, bool]] = [(node, False)]
    while pending:
        item, children_built = pending.pop()
        if isinstance(item, Condition):
            results.append(_leaf(item, fields, joins))
        elif not children_built:
            pending.append((item, True))
            pending.extend((child, False) for child in reversed(item.children))
        elif not item.children:
            results.append(true())
        else:
            parts = results[-len(item.children) :]
            del results[-len(item.children) :]
            results.append(or_(*parts) if item.any_of else and_(*parts))
    return results[0]


async def with_conditions(
    node: Node, turn: Callable[[Condition], Awaitable[Node | None]]
) -> Node | None:
    """`node` with each condition replaced by what `turn` makes of it (awaited, in order),
    the groups rebuilt around them; None as soon as `turn` gives None. Walked without
    recursion, as `_collect` walks: a tree's depth costs no Python frames."""
    results: list[Node] = []
    pending: list[tuple[Node, bool]] = [(node, False)]
    while pending:
        item, children_built = pending.pop()
        if isinstance(item, Condition):
            turned = await turn(item)
            if turned is None:
                return None
            results.append(turned)
        elif not children_built:
            pending.append((item, True))
            pending.extend((child, False) for child in reversed(item.children))
        else:
            count = len(item.children)
            children = tuple(results[len(results) - count :]) if count else ()
            del results[len(results) - count :]
            results.append(Group(item.any_of, children))
    return results[0]


def _leaf(
    node: Condition, fields: Mapping[str, SearchField], joins: list[Any]
) -> ColumnElement[bool]:
    spec = fields.get(node.field)
    if spec is None:
        raise Invalid(f"'{node.field}' is not a field you can search on", node.field)
    for join in spec.joins:
        if join not in joins:
            joins.append(join)
    return _condition(node, spec)


def compile_query(
    query: Query, fields: Mapping[str, SearchField], tiebreak: Any, *, reverse: bool = False
) -> Compiled:
    """The WHERE clause, ORDER BY and the joins both need; unknown fields are an Invalid.

    `reverse` orders the rows exactly backwards (each direction flipped, empty values first,
    the tiebreak flipped too): row i of n in the reverse order is row n - 1 - i forwards.
    """
    check_filter(query.filter, "filter")
    joins: list[Any] = []
    where = _collect(query.filter, fields, joins) if query.filter is not None else None
    order_by: list[UnaryExpression[Any]] = []
    for sort in query.sorts:
        spec = fields.get(sort.field)
        if spec is None or not spec.sortable:
            raise Invalid(f"cannot sort on '{sort.field}'", sort.field)
        for join in spec.joins:
            if join not in joins:
                joins.append(join)
        column = spec.name_column if spec.type is FieldType.REF else spec.column
        descending = sort.descending != reverse
        ordered = column.desc() if descending else column.asc()
        # Empty values sort last either way, on every database (PostgreSQL and SQLite differ).
        if spec.nullable:
            ordered = ordered.nulls_first() if reverse else ordered.nulls_last()
        order_by.append(ordered)
    last_descending = (query.sorts[-1].descending if query.sorts else True) != reverse
    order_by.append(tiebreak.desc() if last_descending else tiebreak.asc())
    return Compiled(where=where, order_by=order_by, joins=joins)
