"""Users (administrators only): the portal's users with their role, whether they are active
and the approvals awaiting them; add a user, change a role, deactivate or activate (never
delete), set a password. Every check is the core's (core/users/administration.py): a
requester's forged POST is refused there, not here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from releasedesk.core.actors import Role
from releasedesk.core.errors import ErrorKind, Invalid, Mandatory, NotUnique, ReleaseDeskError
from releasedesk.core.users import administration
from releasedesk.core.users.views import UserView
from releasedesk.web.context import PageContext, Rerender, page
from releasedesk.web.forms import FormErrors


@dataclass(frozen=True, slots=True)
class RoleChoice:
    id: str
    name: str


ROLE_WORDS = {
    Role.ADMIN: "Administrator",
    Role.TECHNICIAN: "Technician",
    Role.REQUESTER: "Requester",
}
ROLES = [RoleChoice(role.value, word) for role, word in ROLE_WORDS.items()]
ADD_FIELDS = ("name", "email", "role", "password")
# What a row's refused change is shown beside (the control's id is the field and the user id).
ROW_REFUSALS = (Invalid, Mandatory, NotUnique)


async def _page(
    ctx: PageContext,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    open_password: int | None = None,
) -> Response:
    users = await administration.list_users(ctx.session, ctx.me)
    return ctx.render(
        "users/list.html",
        status=422 if errors else 200,
        errors=errors or FormErrors(),
        values=values or {"name": "", "email": "", "role": Role.REQUESTER.value},
        users=users,
        roles=ROLES,
        role_words=ROLE_WORDS,
        open_password=open_password,
    )


@page
async def user_list(ctx: PageContext) -> Response:
    """The Users page; anyone but an administrator gets the core's refusal as a 403 page."""
    return await _page(ctx)


@page
async def add_user(ctx: PageContext) -> Response:
    values = {name: ctx.field(name) for name in ("name", "email", "role")}
    password = _raw(ctx, "password")  # as typed: spaces are part of a password
    errors = FormErrors()
    if not values["name"]:
        errors.add("name", "Enter the user's name")
    if values["role"] not in {role.value for role in Role}:
        errors.add("role", "Choose a role")
    if errors:
        return await _page(ctx, errors=errors, values=values)
    try:
        added = await administration.add_user(
            ctx.session,
            ctx.me,
            name=values["name"],
            role=values["role"],
            email_id=values["email"] or None,
            password=password or None,
        )
    except ReleaseDeskError as error:
        if error.kind in (ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND):
            raise
        raise Rerender(
            lambda fresh, e: _page(fresh, errors=FormErrors.of(e, ADD_FIELDS), values=values),
            error,
        ) from error
    return ctx.redirect(
        "users", flash=f"{added.name} was added as {_article(ROLE_WORDS[added.role].lower())}."
    )


def _raw(ctx: PageContext, name: str) -> str:
    value = ctx.form.get(name) if ctx.form is not None else None
    return value if isinstance(value, str) else ""


def _article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _user_id(ctx: PageContext) -> int:
    return int(ctx.request.path_params["user_id"])


async def _row_change(
    ctx: PageContext,
    field: str,
    change: Callable[[int], Awaitable[UserView]],
    said: Callable[[UserView], str],
) -> Response:
    """Run one row's change; a refusal the person can act on is shown beside that row's
    control (`field`-`user id`), anything else (forbidden, not found) as its error page."""
    user_id = _user_id(ctx)
    try:
        user = await change(user_id)
    except ROW_REFUSALS as error:
        control = f"{field}-{user_id}"

        def again(fresh: PageContext, e: ReleaseDeskError) -> Awaitable[Response]:
            errors = FormErrors()
            errors.add(control, e.message[:1].upper() + e.message[1:])
            return _page(
                fresh, errors=errors, open_password=user_id if field == "password" else None
            )

        raise Rerender(again, error) from error
    return ctx.redirect("users", flash=said(user))


@page
async def change_role(ctx: PageContext) -> Response:
    role = ctx.field("role")

    async def change(user_id: int) -> UserView:
        return await administration.set_role(ctx.session, ctx.me, user_id, role)

    return await _row_change(
        ctx,
        "role",
        change,
        lambda user: (
            f"{user.name} is now {_article(ROLE_WORDS[user.role].lower())}. "
            "They are signed out of the web UI and must sign in again."
        ),
    )


@page
async def deactivate(ctx: PageContext) -> Response:
    async def change(user_id: int) -> UserView:
        return await administration.set_active(ctx.session, ctx.me, user_id, False)

    return await _row_change(
        ctx,
        "active",
        change,
        lambda user: f"{user.name} was deactivated: their keys and password no longer work.",
    )


@page
async def activate(ctx: PageContext) -> Response:
    async def change(user_id: int) -> UserView:
        return await administration.set_active(ctx.session, ctx.me, user_id, True)

    return await _row_change(
        ctx,
        "active",
        change,
        lambda user: f"{user.name} was activated: their unrevoked keys and password work again.",
    )


@page
async def set_password(ctx: PageContext) -> Response:
    text = _raw(ctx, "password")

    async def change(user_id: int) -> UserView:
        return await administration.set_password(ctx.session, ctx.me, user_id, text)

    return await _row_change(
        ctx, "password", change, lambda user: f"The password of {user.name} was set."
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/users", user_list, methods=["GET"]),
        Route("/users", add_user, methods=["POST"]),
        Route("/users/{user_id:int}/role", change_role, methods=["POST"]),
        Route("/users/{user_id:int}/deactivate", deactivate, methods=["POST"]),
        Route("/users/{user_id:int}/activate", activate, methods=["POST"]),
        Route("/users/{user_id:int}/password", set_password, methods=["POST"]),
    ]
