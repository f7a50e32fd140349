"""releasedesk webhook add | list | remove: outgoing webhook subscriptions from the server's
shell (the same rules as /api/v1/webhooks; the secret is printed once, by `add`)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.app import webhook_config
from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import cli_actor, echo_table
from releasedesk.core.portals import service as portals
from releasedesk.core.webhooks import service as webhooks
from releasedesk.core.webhooks.names import EVENT_NAMES
from releasedesk.core.webhooks.service import Operator, SubscriptionChanges
from releasedesk.core.webhooks.views import Created, Subscription
from releasedesk.settings import DEFAULT_PORTAL, Settings

webhook_app = typer.Typer(
    help="Outgoing webhooks: URLs that receive signed events as releases change.",
    no_args_is_help=True,
)

PortalOption = Annotated[str, typer.Option("--portal", help="The portal.")]


async def _operator(session: AsyncSession, portal: str) -> Operator:
    return Operator((await portals.get_portal(session, portal)).id, cli_actor())


@webhook_app.command("add")
def webhook_add(
    url: str,
    event: Annotated[
        list[str],
        typer.Option(help=f"An event to send (repeatable): {', '.join(EVENT_NAMES)}."),
    ],
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Add a webhook; its signing secret is printed this once."""
    config = webhook_config(Settings.from_env())

    async def action(session: AsyncSession) -> Created:
        spec = SubscriptionChanges(url=url, events=tuple(event), description=description)
        return await webhooks.create_subscription(
            session, await _operator(session, portal), spec, config
        )

    made = run_in_transaction(action)
    typer.echo(f"webhook {made.subscription.id} added: {made.subscription.url}")
    typer.echo(f"secret (shown once, keep it to verify signatures): {made.secret}")


@webhook_app.command("list")
def webhook_list(portal: PortalOption = DEFAULT_PORTAL) -> None:
    """List the portal's webhooks: id, URL, events, state (never their secrets)."""

    async def action(session: AsyncSession) -> list[Subscription]:
        return await webhooks.list_subscriptions(session, await _operator(session, portal))

    rows = [
        (
            str(s.id),
            s.url,
            ", ".join(s.events),
            "enabled" if s.enabled else f"disabled: {s.disabled_reason}",
            s.description or "-",
        )
        for s in run_in_transaction(action, writes=False)
    ]
    echo_table(("id", "url", "events", "state", "description"), rows)


@webhook_app.command("remove")
def webhook_remove(webhook_id: int, portal: PortalOption = DEFAULT_PORTAL) -> None:
    """Remove a webhook with its delivery log (nothing more is sent to it)."""

    async def action(session: AsyncSession) -> None:
        await webhooks.delete_subscription(session, await _operator(session, portal), webhook_id)

    run_in_transaction(action)
    typer.echo(f"webhook {webhook_id} removed")
