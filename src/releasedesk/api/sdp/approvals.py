"""SDP routes for a release's approvals: permissions per stage, the approval summary, approval
levels (add, list, get, update, delete), their approvals (add, list, get, remove an
undecided one), notifications
(content, send one or several) and decisions (approve, reject)."""

from __future__ import annotations

from fastapi import Request

from releasedesk.api.deps import Session
from releasedesk.api.openapi import OBJECT, array_of, object_with
from releasedesk.api.responses import JsonResponse
from releasedesk.api.routes import Routes
from releasedesk.api.sdp import translate_approvals as wire
from releasedesk.api.sdp import translate_work
from releasedesk.api.sdp.answers import DONE, IDS, STATUSES, listing, one, some
from releasedesk.api.sdp.auth import CurrentActor
from releasedesk.api.sdp.errors import answers_list, failure_status, http_status, success_status
from releasedesk.api.sdp.input import NoInput, read_input_data
from releasedesk.api.sdp.list_info import list_info_json, paging_of
from releasedesk.api.sdp.many import ids_of
from releasedesk.api.sdp.router import release_id_of
from releasedesk.api.wire_values import entity_id, is_digits
from releasedesk.core.approvals import decisions, delegation, removal, sending
from releasedesk.core.approvals import service as approvals
from releasedesk.core.approvals.permissions import release_permissions
from releasedesk.core.approvals.policy_status import level_policies
from releasedesk.core.approvals.summary import approval_summary
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.errors import Invalid
from releasedesk.core.refs import Ref

routes = Routes()

LEVELS = "/releases/{release_id}/approval_levels"
LEVEL = LEVELS + "/{level_id}"
APPROVALS = LEVEL + "/approvals"
APPROVAL = APPROVALS + "/{approval_id}"
# Several approvals sent: a status per id, the approvals sent.
SENT_MANY = {200: object_with({"response_status": STATUSES, "approvals": array_of(OBJECT)})}


def _id(raw: str, what: str) -> int:
    if not is_digits(raw):
        raise Invalid(f"'{raw}' is not an {what} id", "id")
    return entity_id(raw, "id")


def _ids(request: Request) -> list[int]:
    """`?ids=1,2,3` naming approvals."""
    return ids_of(request, "approval")


@routes.get("/releases/{release_id}/get_permissions", answers=one("get_permissions"))
async def get_permissions(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """view / edit / approve per stage id, and -1 for the release as it stands."""
    permissions = await release_permissions(session, actor, release_id_of(release_id))
    return JsonResponse(
        {
            "response_status": success_status(),
            "get_permissions": {
                str(stage_id): {"view": p.view, "edit": p.edit, "approve": p.approve}
                for stage_id, p in permissions.items()
            },
        }
    )


@routes.get(LEVELS + "/approval_summary", answers=listing("approval_summary", paged=False))
@answers_list
async def get_approval_summary(
    release_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """The stages in order: visited, latest decision, last status and comment, levels."""
    rid = release_id_of(release_id)
    stages = await approval_summary(session, actor, rid)
    timed = {p.level_id: p for p in await level_policies(session, actor, rid)}
    return JsonResponse(
        {
            "approval_summary": [translate_work.stage_summary_json(s, timed) for s in stages],
            "response_status": success_status(as_list=True),
        }
    )


# --- levels --------------------------------------------------------------------------------


@routes.post(LEVELS, answers=one("approval_level", status=201))
async def add_level(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """A level at the end of its stage: {name, release_stage, rule, approvals?}."""
    given = wire.level_input(await read_input_data(request))
    level = await approvals.add_level(session, actor, release_id_of(release_id), given)
    return JsonResponse(
        {"response_status": success_status(), "approval_level": wire.level_json(level)},
        status_code=201,
    )


@routes.get(LEVELS, answers=listing("approval_levels"))
@answers_list
async def list_levels(
    release_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    query, echo = paging_of(await read_input_data(request))
    page = await approvals.list_levels(session, actor, release_id_of(release_id), query)
    rows = [wire.level_json(level) for level in page.rows]
    return JsonResponse(
        {
            "response_status": success_status(as_list=True),
            "list_info": list_info_json(echo, page, len(rows)),
            "approval_levels": rows,
        }
    )


@routes.get(LEVEL, answers=one("approval_level"))
async def get_level(
    release_id: str, level_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    level = await approvals.get_level(
        session, actor, release_id_of(release_id), _id(level_id, "approval level")
    )
    return JsonResponse(
        {"response_status": success_status(), "approval_level": wire.level_json(level)}
    )


@routes.put(LEVEL, answers=one("approval_level"))
async def update_level(
    release_id: str, level_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Rename a level, or change its rule while it has no decisions."""
    given = wire.level_input(await read_input_data(request))
    level = await approvals.update_level(
        session, actor, release_id_of(release_id), _id(level_id, "approval level"), given
    )
    return JsonResponse(
        {"response_status": success_status(), "approval_level": wire.level_json(level)}
    )


@routes.delete(LEVEL, answers=DONE)
async def delete_level(
    release_id: str, level_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    await approvals.delete_level(
        session, actor, release_id_of(release_id), _id(level_id, "approval level")
    )
    return JsonResponse({"response_status": success_status()})


# --- approvals -----------------------------------------------------------------------------


@routes.post(APPROVALS, answers=some(status=201))
async def add_approvals(
    release_id: str, level_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Approvers for a level: {"approvals": [{"approver": …} | {"xpath": {"path": …}}]}."""
    payload = await read_input_data(request)
    added = await approvals.add_approvals(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        wire.approvals_input(payload),
    )
    body: dict[str, object] = {"response_status": success_status()}
    if "approval" in payload:
        body["approval"] = wire.approval_json(added[0])
    else:
        body["approvals"] = [wire.approval_json(a) for a in added]
    return JsonResponse(body, status_code=201)


@routes.get(APPROVALS, answers=listing("approvals"))
@answers_list
async def list_approvals(
    release_id: str, level_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    query, echo = paging_of(await read_input_data(request))
    page = await approvals.list_approvals(
        session, actor, release_id_of(release_id), _id(level_id, "approval level"), query
    )
    rows = [wire.approval_json(a, in_list=True) for a in page.rows]
    return JsonResponse(
        {
            "response_status": success_status(as_list=True),
            "approvals": rows,
            "list_info": list_info_json(echo, page, len(rows)),
        }
    )


@routes.put(APPROVALS + "/send_notification", answers=SENT_MANY, query=[IDS])
@routes.put(APPROVALS + "/_send_notification", answers=SENT_MANY, query=[IDS])
@answers_list
async def send_many(
    release_id: str, level_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Send several approvals of a level: `?ids=1,2`; one status per id."""
    given = wire.notification_input(await read_input_data(request))
    outcomes = await sending.send_notifications(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        _ids(request),
        given,
    )
    statuses = [
        {**wire.message_status(wire.SENT_MESSAGE), "id": str(o.approval_id)}
        if o.error is None
        else failure_status(o.error, id=str(o.approval_id))
        for o in outcomes
    ]
    failures = [o.error for o in outcomes if o.error is not None]
    return JsonResponse(
        {
            "response_status": statuses,
            "approvals": [wire.approval_json(o.approval) for o in outcomes if o.approval],
        },
        status_code=200 if len(failures) < len(outcomes) else http_status(failures[0]),
    )


@routes.get(APPROVAL, answers=one("approval"))
async def get_approval(
    release_id: str,
    level_id: str,
    approval_id: str,
    session: Session,
    actor: CurrentActor,
    _: NoInput,
) -> JsonResponse:
    approval = await approvals.get_approval(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        _id(approval_id, "approval"),
    )
    return JsonResponse(
        {"response_status": success_status(), "approval": wire.approval_json(approval)}
    )


@routes.delete(APPROVAL, answers=DONE)
async def remove_approval(
    release_id: str,
    level_id: str,
    approval_id: str,
    session: Session,
    actor: CurrentActor,
    _: NoInput,
) -> JsonResponse:
    """Remove an approver who has not decided; the level is settled without them."""
    await removal.remove_approval(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        _id(approval_id, "approval"),
    )
    return JsonResponse({"response_status": success_status()})


@routes.get(APPROVAL + "/_send_notification", answers=one("notification"))
@routes.get(APPROVAL + "/send_notification", answers=one("notification"))
async def notification_content(
    release_id: str,
    level_id: str,
    approval_id: str,
    session: Session,
    actor: CurrentActor,
    _: NoInput,
) -> JsonResponse:
    """The mail's subject and text, with SDP's placeholders unfilled."""
    notification = await sending.notification_content(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        _id(approval_id, "approval"),
    )
    return JsonResponse(
        {
            "notification": wire.notification_json(notification),
            "response_status": success_status(),
        }
    )


@routes.put(APPROVAL + "/_send_notification", answers=DONE)
@routes.put(APPROVAL + "/send_notification", answers=DONE)
async def send_one(
    release_id: str,
    level_id: str,
    approval_id: str,
    request: Request,
    session: Session,
    actor: CurrentActor,
) -> JsonResponse:
    """Send the approval: its mail is queued, it becomes Pending Approval."""
    given = wire.notification_input(await read_input_data(request))
    await sending.send_notification(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        _id(approval_id, "approval"),
        given,
    )
    return JsonResponse({"response_status": wire.message_status(wire.SENT_MESSAGE)})


async def _decide(
    verdict: ApprovalStatus,
    release_id: str,
    level_id: str,
    approval_id: str,
    request: Request,
    session: Session,
    actor: CurrentActor,
) -> JsonResponse:
    comments = wire.decision_comments(await read_input_data(request))
    await decisions.decide(
        session,
        actor,
        release_id_of(release_id),
        _id(level_id, "approval level"),
        _id(approval_id, "approval"),
        verdict,
        comments,
    )
    return JsonResponse({"response_status": wire.message_status(wire.APPROVED_MESSAGE)})


@routes.put(APPROVAL + "/_approve", answers=DONE)
@routes.put(APPROVAL + "/approve", answers=DONE)
async def approve(
    release_id: str,
    level_id: str,
    approval_id: str,
    request: Request,
    session: Session,
    actor: CurrentActor,
) -> JsonResponse:
    """Approve: {"approval": {"comments": "…"}} (comments optional)."""
    return await _decide(
        ApprovalStatus.APPROVED, release_id, level_id, approval_id, request, session, actor
    )


@routes.put(APPROVAL + "/_reject", answers=DONE)
@routes.put(APPROVAL + "/reject", answers=DONE)
async def reject(
    release_id: str,
    level_id: str,
    approval_id: str,
    request: Request,
    session: Session,
    actor: CurrentActor,
) -> JsonResponse:
    """Reject: {"approval": {"comments": "…"}} (comments optional)."""
    return await _decide(
        ApprovalStatus.REJECTED, release_id, level_id, approval_id, request, session, actor
    )


# --- approvers away (admins) ----------------------------------------------------------------

AWAY = "/users/{user_id}/away"


@routes.get(AWAY, answers=one("away", may_be_null=True))
async def get_away(user_id: str, session: Session, actor: CurrentActor, _: NoInput) -> JsonResponse:
    """The user's away period and delegate, or null."""
    absence = await delegation.admin_away_period(session, actor, Ref(id=_id(user_id, "user")))
    return JsonResponse({"response_status": success_status(), "away": wire.away_json(absence)})


@routes.put(AWAY, answers=one("away", may_be_null=True))
async def set_away(
    user_id: str, request: Request, session: Session, actor: CurrentActor
) -> JsonResponse:
    """Away until a time, a delegate deciding: {"away": {"delegate": …, "until": …}}."""
    delegate, until, starts = wire.away_input(await read_input_data(request))
    absence = await delegation.admin_set_away(
        session, actor, Ref(id=_id(user_id, "user")), delegate, until, starts
    )
    return JsonResponse({"response_status": success_status(), "away": wire.away_json(absence)})


@routes.delete(AWAY, answers=one("away", may_be_null=True))
async def clear_away(
    user_id: str, session: Session, actor: CurrentActor, _: NoInput
) -> JsonResponse:
    """Back: the period ends now."""
    await delegation.admin_clear_away(session, actor, Ref(id=_id(user_id, "user")))
    return JsonResponse({"response_status": success_status(), "away": None})
