"""releasedesk token create | list | revoke."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import cli_actor, echo_table, when
from releasedesk.core.portals import service as portals
from releasedesk.core.users import keys
from releasedesk.core.users import service as users
from releasedesk.core.users.expiry import parse_expiry
from releasedesk.core.users.views import IssuedKey, KeyView
from releasedesk.db.base import utcnow
from releasedesk.settings import DEFAULT_PORTAL

token_app = typer.Typer(help="API keys: issue, list, revoke.", no_args_is_help=True)

PortalOption = Annotated[str, typer.Option("--portal", help="Portal name.")]


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user (name or email) the key acts as.")],
    label: Annotated[
        str | None, typer.Option("--name", help="A label for the key (default: the user's name).")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            help="When it stops working: 12h, 90d, 2w, a date (valid through that day, UTC) "
            "or an ISO 8601 time. Default: never."
        ),
    ] = None,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Issue an API key for a user; the key is printed once, alone on the last line."""

    async def action(session: AsyncSession) -> IssuedKey:
        found = await portals.get_portal(session, portal)
        user = await users.find_user(session, found.id, name)
        now = utcnow()
        expires_time = parse_expiry(expires, now) if expires else None
        return await keys.issue_key(
            session, user=user, name=label, expires_time=expires_time, by=cli_actor(), now=now
        )

    issued = run_in_transaction(action)
    view = issued.view
    until = f"expires {when(view.expires_time)}" if view.expires_time else "never expires"
    typer.echo(
        f"API key {view.id} '{view.name}' for '{view.user_name}' on portal '{portal}', {until} "
        "(shown once, stored hashed):"
    )
    typer.echo(issued.key)


@token_app.command("list")
def token_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's keys.")] = None,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """List a portal's keys (never the keys themselves): id, label, owner, prefix, created,
    expires, last used (updated at most once a minute), state. Times are UTC."""

    async def action(session: AsyncSession) -> list[KeyView]:
        found = await portals.get_portal(session, portal)
        user_id = (await users.find_user(session, found.id, user)).id if user else None
        return list(await keys.list_keys(session, found.id, user_id))

    now = utcnow()
    rows = [
        (
            str(key.id),
            key.name,
            key.user_name,
            key.prefix,
            when(key.created_time),
            when(key.expires_time),
            when(key.last_used_time),
            key.state(now).value,
        )
        for key in run_in_transaction(action, writes=False)
    ]
    header = ("id", "label", "owner", "prefix", "created", "expires", "last used", "state")
    echo_table(header, rows)


@token_app.command("revoke")
def token_revoke(
    key: Annotated[
        str,
        typer.Argument(
            metavar="ID|PREFIX",
            help="The key's id or its prefix as `token list` shows them (or the leaked key "
            "itself, matched by its hash).",
        ),
    ],
    portal: Annotated[
        str | None, typer.Option("--portal", help="Only a key of this portal (default: any).")
    ] = None,
) -> None:
    """Revoke a key: its next request is refused (HTTP 401), in every worker."""

    async def action(session: AsyncSession) -> KeyView:
        portal_id = (await portals.get_portal(session, portal)).id if portal else None
        return await keys.revoke_key(session, key, portal_id=portal_id, by=cli_actor())

    view = run_in_transaction(action)
    typer.echo(f"key {view.id} '{view.name}' ({view.prefix}) of '{view.user_name}' revoked")
