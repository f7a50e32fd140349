"""SDP's list_info (paging, sorting, search_fields, search_criteria, filter_by) as a core Query."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from releasedesk.api.json_body import loads
from releasedesk.api.sdp.translate import reference, sdp_time_in
from releasedesk.api.wire_values import boolean, integer
from releasedesk.core.errors import Invalid, WrongType
from releasedesk.core.limits import (
    MAX_FIELDS_REQUIRED,
    MAX_SEARCH_CRITERIA,
    MAX_SEARCH_DEPTH,
    MAX_SEARCH_TEXT,
    MAX_SEARCH_VALUES,
    MAX_SORT_FIELDS,
)
from releasedesk.core.refs import Ref
from releasedesk.core.search.paging import Page
from releasedesk.core.search.query import (
    TEXT_OPS,
    Condition,
    FieldType,
    Group,
    Node,
    Op,
    Query,
    Sort,
    check_filter,
    grouped,
)

DEFAULT_ROW_COUNT = 10
MAX_ROW_COUNT = 100

CONDITIONS: dict[str, Op] = {
    "is": Op.IS,
    "=": Op.IS,
    "eq": Op.IS,
    "equals": Op.IS,
    "is not": Op.IS_NOT,
    "!=": Op.IS_NOT,
    "neq": Op.IS_NOT,
    "not equals": Op.IS_NOT,
    "contains": Op.CONTAINS,
    "like": Op.CONTAINS,
    "not contains": Op.NOT_CONTAINS,
    "not like": Op.NOT_CONTAINS,
    "starts with": Op.STARTS_WITH,
    "ends with": Op.ENDS_WITH,
    "greater than": Op.GT,
    "gt": Op.GT,
    ">": Op.GT,
    "greater or equal": Op.GTE,
    "gte": Op.GTE,
    ">=": Op.GTE,
    "lesser than": Op.LT,
    "lt": Op.LT,
    "<": Op.LT,
    "less than": Op.LT,
    "lesser or equal": Op.LTE,
    "lte": Op.LTE,
    "<=": Op.LTE,
    "less or equal": Op.LTE,
    "between": Op.BETWEEN,
    "not between": Op.NOT_BETWEEN,
}
LIST_INFO_KEYS = {
    "row_count",
    "start_index",
    "page",
    "sort_field",
    "sort_order",
    "sort_fields",
    "get_total_count",
    "fields_required",
    "search_fields",
    "search_criteria",
    "filter_by",
}


@dataclass
class ListRequest:
    query: Query
    view: str | None
    fields_required: list[str] | None
    echo: dict[str, Any] = field(default_factory=dict)


def _int(value: Any, name: str) -> int:
    return integer(value, f"list_info.{name}")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _maybe_json(value: Any, name: str) -> Any:
    """search_fields / search_criteria may arrive as a JSON string."""
    if isinstance(value, str):
        return loads(value, f"list_info.{name}", path=f"list_info.{name}")
    return value


def _text(value: Any, field: str) -> str:
    if isinstance(value, Mapping):
        value = value.get("name", value.get("value"))
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise WrongType(f"'{field}' needs a text value", field)
    return str(value)


def _bounded(values: Collection[Any], where: str) -> None:
    """Refuse a text value longer than MAX_SEARCH_TEXT (core/limits.py), naming `where`."""
    for value in values:
        if isinstance(value, str) and len(value) > MAX_SEARCH_TEXT:
            raise Invalid(
                f"'{where}' holds a value longer than {MAX_SEARCH_TEXT} characters", where
            )


def search_value(value: Any, field: str, kind: FieldType, op: Op) -> object:
    """A JSON search value as the core type of the field it searches (None stays None)."""
    if value is None:
        return None
    if kind is FieldType.TEXT or (kind is FieldType.REF and op in TEXT_OPS):
        return _text(value, field)
    if kind is FieldType.INT:
        if isinstance(value, Mapping):
            value = value.get("id", value.get("value"))
        return integer(value, field)
    if kind is FieldType.DATETIME:
        return sdp_time_in(value, field)
    if kind is FieldType.BOOL:
        return boolean(value, field)
    if field.endswith(".id"):
        return Ref(id=integer(value.get("id") if isinstance(value, Mapping) else value, field))
    return reference(value, field)


def _condition(item: Mapping[str, Any], known: Mapping[str, FieldType], budget: _Budget) -> Node:
    field_name = item.get("field")
    if not isinstance(field_name, str) or not field_name:
        raise Invalid("each search_criteria needs a 'field'", "search_criteria.field")
    if field_name not in known:
        raise Invalid(f"'{field_name}' is not a field you can search on", field_name)
    raw_condition = item.get("condition", "is")
    if not isinstance(raw_condition, str) or raw_condition.strip().lower() not in CONDITIONS:
        raise Invalid(f"'{raw_condition}' is not a search condition", "search_criteria.condition")
    op = CONDITIONS[raw_condition.strip().lower()]
    if "values" in item:
        values = item["values"]
        if not isinstance(values, list):
            raise WrongType("'values' must be an array", "search_criteria.values")
    elif "value" in item:
        values = [item["value"]]
    else:
        raise Invalid(f"search on '{field_name}' needs a value", "search_criteria.value")
    if op in (Op.BETWEEN, Op.NOT_BETWEEN) and len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    budget.take_values(len(values))
    _bounded(values, "list_info.search_criteria.value")
    kind = known[field_name]
    return Condition(field_name, op, tuple(search_value(v, field_name, kind, op) for v in values))


def _logic(item: Mapping[str, Any]) -> bool:
    """True for OR; AND by default (any case)."""
    raw = item.get("logical_operator", "AND")
    if not isinstance(raw, str) or raw.strip().upper() not in ("AND", "OR"):
        raise Invalid(f"'{raw}' is not AND or OR", "search_criteria.logical_operator")
    return raw.strip().upper() == "OR"


@dataclass
class _Budget:
    """What one search_criteria may still hold (core/limits.py), spent as it is read."""

    criteria: int = MAX_SEARCH_CRITERIA
    values: int = MAX_SEARCH_VALUES

    def take_criteria(self, count: int) -> None:
        self.criteria -= count
        if self.criteria < 0:
            raise Invalid(
                f"'list_info.search_criteria' holds more than {MAX_SEARCH_CRITERIA} criteria "
                "(counting their children)",
                "list_info.search_criteria",
            )

    def take_values(self, count: int) -> None:
        self.values -= count
        if self.values < 0:
            raise Invalid(
                f"'list_info.search_criteria' holds more than {MAX_SEARCH_VALUES} values",
                "list_info.search_criteria.values",
            )


def _criteria(
    items: list[Any], known: Mapping[str, FieldType], budget: _Budget, depth: int = 0
) -> Node | None:
    """Fold criteria left to right: each item joins the ones before it by its logical_operator.

    Bounded before anything is built: the entries of each level are counted against the
    budget, and `children` may nest MAX_SEARCH_DEPTH levels (so this recursion is too)."""
    if depth > MAX_SEARCH_DEPTH:
        raise Invalid(
            f"'list_info.search_criteria' nests children deeper than {MAX_SEARCH_DEPTH} levels",
            "list_info.search_criteria.children",
        )
    budget.take_criteria(len(items))
    result: Node | None = None
    for item in items:
        if not isinstance(item, Mapping):
            raise WrongType("search_criteria entries must be objects", "search_criteria")
        any_of = _logic(item)
        node: Node | None = _condition(item, known, budget) if "field" in item else None
        children = item.get("children")
        if children is not None:
            if not isinstance(children, list):
                raise WrongType("'children' must be an array", "search_criteria.children")
            inner = _criteria(children, known, budget, depth + 1)
            if inner is not None:
                node = inner if node is None else grouped(_first_logic(children), node, inner)
        if node is None:
            continue
        result = node if result is None else grouped(any_of, result, node)
    return result


def _first_logic(children: list[Any]) -> bool:
    first = children[0] if children else {}
    return _logic(first) if isinstance(first, Mapping) else False


def _sorts(info: Mapping[str, Any], sortable: Collection[str]) -> list[Sort]:
    sorts: list[Sort] = []
    raw = info.get("sort_fields")
    entries: list[Any] = raw if isinstance(raw, list) else []
    if raw is not None and not isinstance(raw, list):
        raise WrongType("'list_info.sort_fields' must be an array", "list_info.sort_fields")
    if info.get("sort_field") is not None:
        entries = [{"field": info["sort_field"], "order": info.get("sort_order", "asc")}, *entries]
    if len(entries) > MAX_SORT_FIELDS:
        raise Invalid(
            f"'list_info.sort_fields' holds more than {MAX_SORT_FIELDS} sorts",
            "list_info.sort_fields",
        )
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("field"), str):
            raise WrongType("each sort needs a 'field'", "list_info.sort_fields")
        name = entry["field"]
        if name not in sortable:
            raise Invalid(f"cannot sort on '{name}'", name)
        order = str(entry.get("order", "asc")).strip().lower()
        if order not in ("asc", "desc", "ascending", "descending"):
            raise Invalid(f"'{order}' is not asc or desc", "list_info.sort_order")
        sorts.append(Sort(name, descending=order.startswith("desc")))
    return sorts


def _info_of(payload: Mapping[str, Any], allowed: Collection[str]) -> Mapping[str, Any]:
    info = payload.get("list_info", {})
    if info is None:
        info = {}
    if not isinstance(info, Mapping):
        raise WrongType("'list_info' must be an object", "list_info")
    unknown = set(info) - set(allowed)
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"'{name}' is not a list_info key here", f"list_info.{name}")
    return info


def _paging(info: Mapping[str, Any]) -> tuple[int, int]:
    """(start_index, row_count): 1-based, `page` when no start_index, at most 100 rows."""
    row_count = _int(info.get("row_count", DEFAULT_ROW_COUNT), "row_count")
    if row_count < 1:
        raise Invalid("'list_info.row_count' must be at least 1", "list_info.row_count")
    row_count = min(row_count, MAX_ROW_COUNT)
    if "start_index" in info:
        start_index = max(_int(info["start_index"], "start_index"), 1)
    elif "page" in info:
        start_index = (max(_int(info["page"], "page"), 1) - 1) * row_count + 1
    else:
        start_index = 1
    return start_index, row_count


PAGING_KEYS = ("row_count", "start_index", "page", "get_total_count")


def paging_of(payload: Mapping[str, Any]) -> tuple[Query, dict[str, Any]]:
    """Only paging (for lists with a fixed order: history, comments, sub-resources)."""
    info = _info_of(payload, PAGING_KEYS)
    start_index, row_count = _paging(info)
    with_total = _truthy(info.get("get_total_count"))
    echo: dict[str, Any] = {"start_index": start_index}
    if with_total:
        echo["get_total_count"] = "true"
    return Query(offset=start_index - 1, limit=row_count, with_total=with_total), echo


def parse_list_info(
    payload: Mapping[str, Any],
    *,
    searchable: Mapping[str, FieldType],
    sortable: Collection[str],
    returnable: Collection[str],
    default_sort: Sort,
) -> ListRequest:
    """A core Query from `{"list_info": {…}}` (fields_required may also sit beside it)."""
    info = _info_of(payload, LIST_INFO_KEYS)
    start_index, row_count = _paging(info)

    filters: list[Node] = []
    search_fields = _maybe_json(info.get("search_fields"), "search_fields")
    if search_fields is not None:
        if not isinstance(search_fields, Mapping):
            raise WrongType(
                "'list_info.search_fields' must be an object", "list_info.search_fields"
            )
        for name, value in search_fields.items():
            if name not in searchable:
                raise Invalid(f"'{name}' is not a field you can search on", name)
            _bounded((value,), f"list_info.search_fields.{name}")
            op = Op.CONTAINS if isinstance(value, str) and name in TEXT_SEARCH else Op.IS
            filters.append(Condition(name, op, (search_value(value, name, searchable[name], op),)))
    criteria = _maybe_json(info.get("search_criteria"), "search_criteria")
    if criteria is not None:
        if isinstance(criteria, Mapping):
            criteria = [criteria]
        if not isinstance(criteria, list):
            raise WrongType(
                "'list_info.search_criteria' must be an object or an array",
                "list_info.search_criteria",
            )
        node = _criteria(criteria, searchable, _Budget())
        if node is not None:
            filters.append(node)

    fields_required = info.get("fields_required", payload.get("fields_required"))
    if fields_required is not None:
        if not isinstance(fields_required, list) or not all(
            isinstance(f, str) for f in fields_required
        ):
            raise WrongType("'fields_required' must be an array of field names", "fields_required")
        if len(fields_required) > MAX_FIELDS_REQUIRED:
            raise Invalid(
                f"'fields_required' names more than {MAX_FIELDS_REQUIRED} fields",
                "fields_required",
            )
        for name in fields_required:
            if name not in returnable:
                raise Invalid(f"'{name}' is not a field of a release", name)

    view = None
    filter_by = info.get("filter_by")
    if filter_by is not None:
        view = filter_by.get("name") if isinstance(filter_by, Mapping) else filter_by
        if not isinstance(view, str):
            raise WrongType("'list_info.filter_by' needs a name", "list_info.filter_by")

    sorts = _sorts(info, sortable) or [default_sort]
    search = (
        (filters[0] if len(filters) == 1 else Group(False, tuple(filters))) if filters else None
    )
    check_filter(search, "list_info.search_criteria")
    with_total = _truthy(info.get("get_total_count"))
    query = Query(
        filter=search,
        sorts=tuple(sorts),
        offset=start_index - 1,
        limit=row_count,
        with_total=with_total,
    )
    echo: dict[str, Any] = {
        "start_index": start_index,
        "sort_field": sorts[0].field,
        "sort_order": "desc" if sorts[0].descending else "asc",
    }
    if len(sorts) > 1 or "sort_fields" in info:
        echo["sort_fields"] = [
            {"field": s.field, "order": "desc" if s.descending else "asc"} for s in sorts
        ]
    if search_fields is not None:
        echo["search_fields"] = search_fields
    if criteria is not None:
        echo["search_criteria"] = info.get("search_criteria")
    if filter_by is not None:
        echo["filter_by"] = {"name": view}
    if with_total:
        echo["get_total_count"] = "true"
    return ListRequest(query=query, view=view, fields_required=fields_required, echo=echo)


TEXT_SEARCH = frozenset({"title", "short_description", "description"})


def list_info_json(echo: dict[str, Any], page: Page[Any], row_count: int) -> dict[str, Any]:
    """The list_info of a list response: what was applied, how many rows, and whether more."""
    info: dict[str, Any] = {"has_more_rows": page.has_more, **echo, "row_count": row_count}
    if page.total is not None:
        info["total_count"] = page.total
    return info
