"""A list filter's name conditions on references turned into id conditions, from the
reference data the process holds (core/reference), before the page's statement is built.

`priority.name is Low AND stage.name is Testing` compiled as written outer-joins both
tables and compares their lowered names, which no index of `releases` holds: PostgreSQL
walked 9,518 entries of the newest-first index (10,363 buffers) for an 11-row page
(bench/results/issue20-proof.md, plan of `list_filtered`). As `priority_id IN (3) AND
stage_id IN (7)` the page is 11 entries of ix_releases_live_priority_stage_created, and the
statement has no join. Names are matched among the actor's portal's values only: a
release's references are its portal's (the join compared every portal's rows, which only
its own can equal).

Only what this process folds exactly as the database does is turned (`is` and `is not` on
ASCII names, `views.fold`'s rule, with no empty value), and only when the name is held by
some value: the rest, and any session that holds no reference data, compiles as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.reference import service as reference
from releasedesk.core.refs import Ref
from releasedesk.core.releases import fields
from releasedesk.core.search.query import Condition, Node, Op, with_conditions

WORKFLOW_PARTS = frozenset({"stage", "status", "template"})


@dataclass(frozen=True, slots=True)
class NamedReference:
    """A searchable name of a release's reference: which held values it names, and the
    search field that compares the release's id column."""

    kind: str  # a lookup kind (LOOKUP_MODELS), or "stage", "status", "template"
    id_field: str


def _named_references() -> dict[str, NamedReference]:
    found: dict[str, NamedReference] = {}
    for field in fields.LOOKUPS:
        if field.lookup is None or field.lookup == "user":  # users are not reference data
            continue
        reference_of = NamedReference(field.lookup, f"{field.name}.id")
        found[field.name] = reference_of  # the REF field: by id or by name
        found[f"{field.name}.name"] = reference_of
    return found


NAMED_REFERENCES = _named_references()


def _folded_names(condition: Condition) -> list[str] | None:
    """The condition's values as the database folds them, when every one is a name this
    process can fold so (no padding trimmed: the database compares names as written)."""
    if condition.op not in (Op.IS, Op.IS_NOT):
        return None
    names = []
    for value in condition.values:
        if isinstance(value, Ref) and value.id is None and value.email is None:
            value = value.name
        if not isinstance(value, str) or not value.isascii():
            return None
        names.append(value.lower())
    return names


async def _held_names(
    session: AsyncSession, portal_id: int, kind: str
) -> list[tuple[int, str]] | None:
    """(id, folded name) of every value of `kind` in the portal, as held; None: not held."""
    if kind in WORKFLOW_PARTS:
        workflow = await reference.workflow(session, portal_id)
        if workflow is None:
            return None
        if kind == "stage":
            return [(s.stage.id, s.names[0]) for s in workflow.stages]
        if kind == "status":
            return [(s.status.id, s.names[0]) for s in workflow.statuses]
        return [(t.id, t.name) for t in workflow.templates]
    lookups = await reference.lookups(session, portal_id, kind)
    if lookups is None:
        return None
    return [(held.value.id, held.name) for held in lookups.values]


async def with_ids(session: AsyncSession, portal_id: int, node: Node | None) -> Node | None:
    """`node` with each name condition on a held reference compared by id instead."""
    if node is None:
        return None
    names_by_kind: dict[str, list[tuple[int, str]] | None] = {}

    async def turned(condition: Condition) -> Condition:
        named = NAMED_REFERENCES.get(condition.field)
        wanted = _folded_names(condition) if named else None
        if named is None or not wanted:
            return condition
        if named.kind not in names_by_kind:
            names_by_kind[named.kind] = await _held_names(session, portal_id, named.kind)
        held = names_by_kind[named.kind]
        ids = tuple(i for i, name in held or () if name in wanted)
        return Condition(named.id_field, condition.op, ids) if ids else condition

    return await with_conditions(node, turned)
