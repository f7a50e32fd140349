"""SDP routes for what hangs off a release: tasks, worklogs, notes, reminders (add, list,
get, update, delete), change and project associations, and the release summary."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.sdp import translate_work
from releasedesk.api.sdp.answers import DONE, one, some
from releasedesk.api.sdp.auth import CurrentActor
from releasedesk.api.sdp.errors import answers_list, success_status
from releasedesk.api.sdp.input import NoInput, read_input_data
from releasedesk.api.sdp.list_info import list_info_json, paging_of
from releasedesk.api.sdp.router import release_id_of
from releasedesk.api.wire_values import entity_id, is_digits, refuse_unknown
from releasedesk.core.errors import Invalid, Mandatory, WrongType
from releasedesk.core.search.paging import Page
from releasedesk.core.work import service as work
from releasedesk.core.work.kinds import ASSOCIATION_KINDS, CHILD_KINDS, ChildKind
from releasedesk.core.work.values import ChildValue

routes = Routes()


def child_id_of(raw: str, kind: str) -> int:
    if not is_digits(raw):
        raise Invalid(f"'{raw}' is not a {kind} id", "id")
    return entity_id(raw, "id")


def kind_of(plural: str) -> ChildKind:
    kind = CHILD_KINDS.get(plural)
    if kind is None:
        raise Invalid(f"releases have no '{plural}'", "path")
    return kind


def values_of(payload: dict[str, Any], kind: ChildKind) -> dict[str, ChildValue]:
    """`{"task": {…}}` → the task's fields as core values."""
    if kind.name not in payload:
        raise Mandatory(kind.name, f"'{kind.name}' is mandatory: {{\"{kind.name}\": {{…}}}}")
    refuse_unknown(payload, {kind.name}, "this request")
    body = payload[kind.name]
    if not isinstance(body, dict):
        raise WrongType(f"'{kind.name}' must be an object", kind.name)
    return translate_work.child_values(kind, body)


@routes.get("/releases/{release_id}/summary", answers=one("summary"))
async def summary(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Counts of the release's tasks, worklogs, approvals, changes, projects and reminders."""
    counts = await work.release_summary(session, actor, release_id_of(release_id))
    return JsonResponse(
        {"summary": translate_work.summary_json(counts), "response_status": success_status()}
    )


# Associations first: their paths would otherwise match the generic child routes.
@routes.post("/releases/{release_id}/{plural}", answers=some(status=201))
async def add(
    release_id: str, plural: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Add a task, worklog, note or reminder; or associate changes or projects."""
    rid = release_id_of(release_id)
    payload = await read_input_data(request)
    if plural in ASSOCIATION_KINDS:
        kind_name = ASSOCIATION_KINDS[plural]
        refs = translate_work.association_refs(payload, plural, kind_name)
        rows = await work.associate(session, actor, rid, kind_name, refs)
        return JsonResponse(
            {
                "response_status": success_status(),
                plural: [translate_work.association_json(r) for r in rows],
            },
            status_code=201,
        )
    kind = kind_of(plural)
    child = await work.add_child(session, actor, kind, rid, values_of(payload, kind))
    return JsonResponse(
        {"response_status": success_status(), kind.name: translate_work.child_json(child)},
        status_code=201,
    )


@routes.get("/releases/{release_id}/{plural}", answers=some())
@answers_list
async def list_all(
    release_id: str, plural: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """List tasks, worklogs, notes, reminders, changes or projects (list_info pages)."""
    rid = release_id_of(release_id)
    query, echo = paging_of(await read_input_data(request))
    if plural in ASSOCIATION_KINDS:
        associations = await work.list_associations(
            session, actor, rid, ASSOCIATION_KINDS[plural], query
        )
        rows = [translate_work.association_json(r) for r in associations.rows]
        page: Page[Any] = associations
    else:
        kind = kind_of(plural)
        page = await work.list_children(session, actor, kind, rid, query)
        rows = [translate_work.child_json(r) for r in page.rows]
    return JsonResponse(
        {
            "response_status": success_status(as_list=True),
            "list_info": list_info_json(echo, page, len(rows)),
            plural: rows,
        }
    )


@routes.get("/releases/{release_id}/{plural}/{child_id}", answers=some())
async def get_one(
    release_id: str, plural: str, child_id: str, session: Session, actor: CurrentActor
) -> JsonResponse:
    """One task, worklog, note or reminder; or one associated change or project."""
    rid = release_id_of(release_id)
    if plural in ASSOCIATION_KINDS:
        kind_name = ASSOCIATION_KINDS[plural]
        row = await work.get_association(session, actor, rid, kind_name, child_id)
        return JsonResponse(
            {
                "response_status": success_status(),
                kind_name.value: translate_work.association_json(row)[kind_name.value],
            }
        )
    kind = kind_of(plural)
    child = await work.get_child(session, actor, kind, rid, child_id_of(child_id, kind.name))
    return JsonResponse(
        {"response_status": success_status(), kind.name: translate_work.child_json(child)}
    )


@routes.put("/releases/{release_id}/{plural}/{child_id}", answers=some())
async def update(
    release_id: str,
    plural: str,
    child_id: str,
    request: Request,
    session: Session,
    actor: CurrentActor,
) -> JsonResponse:
    """Update a task, worklog, note or reminder: only the fields given change."""
    rid = release_id_of(release_id)
    if plural in ASSOCIATION_KINDS:
        raise Invalid(
            f"an associated {ASSOCIATION_KINDS[plural]} cannot be edited; "
            "remove it and add another",
            "path",
        )
    kind = kind_of(plural)
    values = values_of(await read_input_data(request), kind)
    child = await work.update_child(
        session, actor, kind, rid, child_id_of(child_id, kind.name), values
    )
    return JsonResponse(
        {"response_status": success_status(), kind.name: translate_work.child_json(child)}
    )


@routes.delete("/releases/{release_id}/{plural}/{child_id}", answers=DONE)
async def delete(
    release_id: str, plural: str, child_id: str, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Delete a task, worklog, note or reminder; or remove a change or project association."""
    rid = release_id_of(release_id)
    if plural in ASSOCIATION_KINDS:
        await work.dissociate(session, actor, rid, ASSOCIATION_KINDS[plural], child_id)
    else:
        kind = kind_of(plural)
        await work.delete_child(session, actor, kind, rid, child_id_of(child_id, kind.name))
    return JsonResponse({"response_status": success_status()})
