"""/api/v1/approval_policies: list, create, read, replace, change part of, delete (issue 23);
anyone of the portal reads them, administrators save them. And a release's levels with the
policy each is under, and why."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from releasedesk.api.deps import Session
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.v1 import answers
from releasedesk.api.v1.auth import CurrentActor
from releasedesk.api.v1.freezes import id_of
from releasedesk.api.v1.input import read_object, refuse_unknown
from releasedesk.api.v1.policy_wire import (
    POLICY_KEYS,
    level_policy_json,
    policy_body,
    policy_json,
    policy_spec,
)
from releasedesk.core.approval_policies import service as policies
from releasedesk.core.approvals import policy_status

routes = Routes()
BODY = answers.json_body(answers.POLICY_IN)


@routes.get("/approval_policies", answers=answers.POLICIES)
async def list_policies(session: Session, actor: CurrentActor) -> JsonResponse:
    """The portal's approval policies by name."""
    found = await policies.list_policies(session, actor)
    return JsonResponse({"approval_policies": [policy_json(p) for p in found]})


@routes.post("/approval_policies", answers=answers.POLICY_MADE, body=BODY)
async def create_policy(request: Request, session: Session, actor: CurrentActor) -> JsonResponse:
    """A new approval policy (administrators)."""
    spec = policy_spec(await read_object(request))
    made = await policies.create_policy(session, actor, spec)
    return JsonResponse(policy_json(made), status_code=201)


@routes.get("/approval_policies/{policy_id}", answers=answers.POLICY)
async def get_policy(policy_id: str, session: Session, actor: CurrentActor) -> JsonResponse:
    """One approval policy."""
    found = await policies.get_policy(session, actor, id_of(policy_id, "approval policy", "id"))
    return JsonResponse(policy_json(found))


@routes.put("/approval_policies/{policy_id}", answers=answers.POLICY, body=BODY)
async def replace_policy(
    policy_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """An approval policy replaced whole (administrators); levels already waiting keep the
    policy they started with."""
    spec = policy_spec(await read_object(request))
    pid = id_of(policy_id, "approval policy", "id")
    return JsonResponse(policy_json(await policies.update_policy(session, actor, pid, spec)))


@routes.patch("/approval_policies/{policy_id}", answers=answers.POLICY, body=BODY)
async def change_policy(
    policy_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Some of an approval policy's fields changed (administrators): each key given
    replaces that key whole."""
    changes = await read_object(request)
    refuse_unknown(changes, POLICY_KEYS)
    pid = id_of(policy_id, "approval policy", "id")
    current = policy_body(await policies.get_policy(session, actor, pid))
    spec = policy_spec({**current, **changes})
    return JsonResponse(policy_json(await policies.update_policy(session, actor, pid, spec)))


@routes.delete("/approval_policies/{policy_id}", answers=answers.GONE)
async def delete_policy(policy_id: str, session: Session, actor: CurrentActor) -> Response:
    """An approval policy deleted (administrators); levels waiting under it go on under the
    snapshot they started with."""
    await policies.delete_policy(session, actor, id_of(policy_id, "approval policy", "id"))
    return Response(status_code=204)


@routes.get("/releases/{release_id}/approval_policies", answers=answers.LEVEL_POLICIES)
async def release_level_policies(
    release_id: str, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Each approval level of the release with its policy and why: the one it waits under
    (kept as it started, `changed_since` saying when the policy changed later), else the one
    that would apply now; its deadline, next reminder and the scheduler's actions."""
    rid = id_of(release_id, "release", "release_id")
    found = await policy_status.level_policies(session, actor, rid)
    return JsonResponse({"levels": [level_policy_json(f) for f in found]})
