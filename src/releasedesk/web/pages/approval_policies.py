"""Approval policies, for administrators: the portal's policies listed in words, a new one
created, one changed or deleted. Every rule is the core's (core/approval_policies/service.py),
as for /api/v1/approval_policies: this page reads the form (web/policy_form.py), calls the
same functions and puts their refusals beside the field they name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.actors import require_admin
from releasedesk.core.approval_policies import service as policies
from releasedesk.core.approval_policies.business_hours import Weekday
from releasedesk.core.approval_policies.service import PolicySpec
from releasedesk.core.approval_policies.views import ApprovalPolicy, TimeoutAction
from releasedesk.core.errors import NotFound, ReleaseDeskError
from releasedesk.core.users import service as users
from releasedesk.core.workflow import service as workflow
from releasedesk.web import policy_form, policy_words
from releasedesk.web.choices import Choice, zone_names
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import PAGE_REFUSALS, FormErrors


def form_errors(error: ReleaseDeskError) -> FormErrors:
    """A core refusal beside the form's field it names."""
    errors = FormErrors()
    field = policy_form.field_of(error.field)
    if field is not None and field in policy_form.FIELDS:
        errors.add(field, error.message)
    else:
        errors.general.append(error.message)
    return errors


def _policy_id(ctx: PageContext) -> int:
    raw = str(ctx.request.path_params["policy_id"])
    if not (raw.isascii() and raw.isdigit() and len(raw) < 18):
        raise NotFound(f"No approval policy with id '{raw[:40]}'", "id")
    return int(raw)


async def _form_choices(ctx: PageContext) -> dict[str, object]:
    """What the form offers: stages, templates, people, org roles, weekdays, zones, actions."""
    portal_id = ctx.me.portal_id
    return {
        "stages": [
            Choice(s.id, s.name) for s in await workflow.list_stages(ctx.session, portal_id)
        ],
        "templates": [
            Choice(i, n) for i, n in await workflow.list_templates(ctx.session, portal_id)
        ],
        "people": [Choice(i, n) for i, n in await users.active_people(ctx.session, portal_id)],
        "org_roles": list(policy_words.ORG_ROLE_WORDS.items()),
        "weekdays": [(d.name, policy_words.DAY_WORDS[d]) for d in Weekday],
        "actions": [(a.value, policy_words.ACTION_WORDS[a]) for a in TimeoutAction],
        "zones": zone_names(),
    }


def _words() -> dict[str, object]:
    return {"words": policy_words}


# --- the list and the new policy's form -----------------------------------------------------


async def _list(
    ctx: PageContext,
    *,
    errors: FormErrors | None = None,
    values: policy_form.Values | None = None,
) -> Response:
    found = await policies.list_policies(ctx.session, ctx.me)
    return ctx.render(
        "approval_policies/list.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        values=values or policy_form.blank(),
        policies=found,
        **await _form_choices(ctx),
        **_words(),
    )


@page
async def policy_list(ctx: PageContext) -> Response:
    require_admin(ctx.me, "manage approval policies")
    return await _list(ctx)


async def _save(
    ctx: PageContext,
    save: Callable[[PolicySpec], Awaitable[ApprovalPolicy]],
    again: Callable[[PageContext, FormErrors, policy_form.Values], Awaitable[Response]],
) -> ApprovalPolicy | Response:
    """Read the form and save it with `save`; refused, the form again (`again`) with the
    message beside its field. Not allowed or gone: the core's refusal as the page."""
    values = policy_form.typed(ctx)
    errors = FormErrors()
    spec = policy_form.spec_of(values, errors)
    if spec is None:
        return await again(ctx, errors, values)
    try:
        return await save(spec)
    except ReleaseDeskError as error:
        if error.kind in PAGE_REFUSALS and policy_form.field_of(error.field) is None:
            raise
        raise Rerender(lambda fresh, e: again(fresh, form_errors(e), values), error) from error


@page
async def create_policy(ctx: PageContext) -> Response:
    """A new policy (administrators: the core refuses anyone else, whatever the form says)."""
    require_admin(ctx.me, "create approval policies")

    async def save(spec: PolicySpec) -> ApprovalPolicy:
        return await policies.create_policy(ctx.session, ctx.me, spec)

    async def again(fresh: PageContext, errors: FormErrors, values: policy_form.Values) -> Response:
        return await _list(fresh, errors=errors, values=values)

    saved = await _save(ctx, save, again)
    if isinstance(saved, Response):
        return saved
    return ctx.redirect(
        "approval_policies", flash=f"The approval policy “{saved.name}” was created."
    )


# --- one policy ------------------------------------------------------------------------------


async def _edit(
    ctx: PageContext,
    policy_id: int,
    *,
    errors: FormErrors | None = None,
    values: policy_form.Values | None = None,
) -> Response:
    policy = await policies.get_policy(ctx.session, ctx.me, policy_id)
    return ctx.render(
        "approval_policies/edit.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        policy=policy,
        values=values or policy_form.values_of(policy),
        **await _form_choices(ctx),
        **_words(),
    )


@page
async def edit_policy(ctx: PageContext) -> Response:
    require_admin(ctx.me, "change approval policies")
    return await _edit(ctx, _policy_id(ctx))


@page
async def update_policy(ctx: PageContext) -> Response:
    require_admin(ctx.me, "change approval policies")
    policy_id = _policy_id(ctx)

    async def save(spec: PolicySpec) -> ApprovalPolicy:
        return await policies.update_policy(ctx.session, ctx.me, policy_id, spec)

    async def again(fresh: PageContext, errors: FormErrors, values: policy_form.Values) -> Response:
        return await _edit(fresh, policy_id, errors=errors, values=values)

    saved = await _save(ctx, save, again)
    if isinstance(saved, Response):
        return saved
    return ctx.redirect(
        "approval_policies",
        flash=f"The approval policy “{saved.name}” was changed: levels already waiting keep "
        "the policy they started with.",
    )


@page
async def delete_policy(ctx: PageContext) -> Response:
    policy_id = _policy_id(ctx)
    policy = await policies.get_policy(ctx.session, ctx.me, policy_id)
    await policies.delete_policy(ctx.session, ctx.me, policy_id)
    return ctx.redirect(
        "approval_policies",
        flash=f"The approval policy “{policy.name}” was deleted: levels already waiting "
        "under it go on as it was.",
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/approval_policies", policy_list, methods=["GET"]),
        Route("/approval_policies", create_policy, methods=["POST"]),
        Route("/approval_policies/{policy_id}", update_policy, methods=["POST"]),
        Route("/approval_policies/{policy_id}/edit", edit_policy, methods=["GET"]),
        Route("/approval_policies/{policy_id}/delete", delete_policy, methods=["POST"]),
    ]
