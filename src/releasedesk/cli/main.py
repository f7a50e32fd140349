"""releasedesk serve | db | user | token | audit | portal | lookup | catalog | demo | backup
| restore."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.audit import audit_app
from releasedesk.cli.backup import backup, restore
from releasedesk.cli.catalog import catalog_app
from releasedesk.cli.freeze import freeze_app
from releasedesk.cli.keys import token_app
from releasedesk.cli.policy import policy_app
from releasedesk.cli.runtime import run_in_transaction
from releasedesk.cli.tables import cli_actor, echo_table, when
from releasedesk.cli.webhook import webhook_app
from releasedesk.core.approvals import delegation
from releasedesk.core.approvals import policy as approval_policy
from releasedesk.core.errors import Invalid
from releasedesk.core.lookups import service as lookups
from releasedesk.core.portals import service as portals
from releasedesk.core.refs import Ref
from releasedesk.core.users import service as users
from releasedesk.core.users.expiry import parse_expiry, parse_since
from releasedesk.settings import DEFAULT_PORTAL, Settings

app = typer.Typer(
    help="releasedesk: self-hosted release management (the ServiceDesk Plus v3 release API).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users of a portal.", no_args_is_help=True)
portal_app = typer.Typer(help="Portals (tenants).", no_args_is_help=True)
lookup_app = typer.Typer(
    help="Reference data (priorities, categories, services, …).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(portal_app, name="portal")
app.add_typer(lookup_app, name="lookup")
app.add_typer(catalog_app, name="catalog")
app.command()(backup)
app.command()(restore)
app.add_typer(freeze_app, name="freeze")
app.add_typer(webhook_app, name="webhook")
app.add_typer(policy_app, name="policy")

PortalOption = Annotated[str, typer.Option("--portal", help="Portal name.")]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Proxies trusted to say the client's address and scheme (X-Forwarded-For,"
            " X-Forwarded-Proto): comma-separated addresses, or * (default: 127.0.0.1)."
        ),
    ] = None,
) -> None:
    """Serve the three release APIs, the web UI and the API docs, over one database.

    \b
    ServiceDesk Plus v3   /api/v3/…
    UrbanCode Release     /releases/, /lifecycleModels/, /teams/ (at the root)
    FlexDeploy            /flexdeploy/rest/v1/…
    Web UI                /ui/ (and the approval mail's links, /approval/…)
    releasedesk's own     /api/v1/… (freeze windows, schedule, calendar feed, webhooks,
                          approval policies, DORA metrics)
    API docs              /docs (each API's OpenAPI document at …/openapi.json)
    Operations            /healthz, /readyz, /metrics (loopback only by default)

    Another portal's are under /app/PORTAL/ (e.g. /app/PORTAL/api/v3). Settings come from
    RELEASEDESK_* variables (README: database, base URL, mail, secret key).
    """
    import os
    import shutil
    import tempfile

    import uvicorn

    # Several workers' metrics meet in a directory of this run's own (observe/metrics.py);
    # prometheus-client reads the variable when each worker process imports it.
    metrics_dir = None
    if workers > 1:
        metrics_dir = tempfile.mkdtemp(prefix="releasedesk-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

    uvicorn.run(
        "releasedesk.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,
        log_level="info",
        log_config=_log_config(),
    )
    if metrics_dir is not None:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _log_config() -> dict[str, object]:
    """uvicorn's logging, plus releasedesk's own loggers at INFO on the same handler (the mail
    sender reports there, and with no SMTP server configured writes each mail there)."""
    from copy import deepcopy

    from uvicorn.config import LOGGING_CONFIG

    config = deepcopy(LOGGING_CONFIG)
    config["loggers"]["releasedesk"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    # The request log's lines are whole (plain text or a JSON object per line), with no
    # level prefix in front of them.
    config["formatters"]["request"] = {"format": "%(message)s"}
    config["handlers"]["request"] = {
        "formatter": "request",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["releasedesk.requests"] = {
        "handlers": ["request"],
        "level": "INFO",
        "propagate": False,
    }
    return config


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations and make sure the default portal exists."""
    from releasedesk.db.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)

    async def default_portal(session: AsyncSession) -> str:
        return (await portals.ensure_portal(session, DEFAULT_PORTAL)).name

    typer.echo(f"database upgraded; default portal '{run_in_transaction(default_portal)}' ready")


@portal_app.command("add")
def portal_add(name: str, display_name: Annotated[str | None, typer.Option()] = None) -> None:
    """Create a portal with its default workflow, stages, statuses and lookups."""

    async def action(session: AsyncSession) -> str:
        return (await portals.create_portal(session, name, display_name)).name

    typer.echo(f"portal '{run_in_transaction(action)}' created")


@portal_app.command("list")
def portal_list() -> None:
    """List the portals."""

    async def action(session: AsyncSession) -> list[str]:
        return [p.name for p in await portals.list_portals(session)]

    for name in run_in_transaction(action):
        typer.echo(name)


@portal_app.command("set")
def portal_set(
    name: str,
    forbid_self_approval: Annotated[
        bool | None,
        typer.Option(
            "--forbid-self-approval/--allow-self-approval",
            help="Whether a release's creator and requesters are kept from approving it "
            "(allowed by default, as in ServiceDesk Plus).",
        ),
    ] = None,
) -> None:
    """Change a portal's approval policy (without an option: show it)."""

    async def action(session: AsyncSession) -> tuple[str, bool]:
        found = await portals.get_portal(session, name)
        if forbid_self_approval is None:
            return found.name, await approval_policy.forbids_self_approval(session, found.id)
        portal_name = await approval_policy.set_self_approval(
            session, name, forbid_self_approval, by=cli_actor()
        )
        return portal_name, forbid_self_approval

    portal_name, forbidden = run_in_transaction(action, writes=forbid_self_approval is not None)
    state = "forbidden" if forbidden else "allowed"
    typer.echo(f"portal '{portal_name}': self-approval {state}")


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[str, typer.Option(help="admin, technician or requester")],
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password for HTTP Basic (or later: releasedesk user set-password)."),
    ] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    mobile: Annotated[str | None, typer.Option()] = None,
    department: Annotated[str | None, typer.Option()] = None,
    vip: Annotated[bool, typer.Option("--vip", help="A VIP user.")] = False,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Add a user to a portal; its name and email must be new to the portal (any case)."""

    async def action(session: AsyncSession) -> int:
        found = await portals.get_portal(session, portal)
        user = await users.add_user(
            session,
            portal_id=found.id,
            name=name,
            role=role,
            email_id=email,
            password=password,
            phone=phone,
            mobile=mobile,
            department=department,
            is_vipuser=vip,
            by=cli_actor(),
        )
        return user.id

    typer.echo(f"user '{name}' added with id {run_in_transaction(action)}")


@user_app.command("set-password")
def user_set_password(
    name: Annotated[str, typer.Argument(help="The user (name or email), e.g. administrator.")],
    password: Annotated[
        str | None,
        typer.Option(help="The new password; asked for twice, hidden, when not given."),
    ] = None,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Set a user's password (stored as an argon2 hash), for HTTP Basic sign-in."""

    async def check(session: AsyncSession) -> str:
        found = await portals.get_portal(session, portal)
        return (await users.find_user(session, found.id, name)).name

    if password is None:
        # Say the user is unknown before asking for a password, not after.
        run_in_transaction(check, writes=False)
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    new_password: str = password

    async def action(session: AsyncSession) -> str:
        found = await portals.get_portal(session, portal)
        user = await users.set_password(session, found.id, name, new_password, by=cli_actor())
        return user.name

    typer.echo(f"password set for '{run_in_transaction(action)}' on portal '{portal}'")


@user_app.command("list")
def user_list(portal: PortalOption = DEFAULT_PORTAL) -> None:
    """List a portal's users: id, name, email, role, active, and whether a password is set."""

    async def action(session: AsyncSession) -> list[tuple[str, ...]]:
        found = await portals.get_portal(session, portal)
        return [  # never the hash: only whether there is one
            (
                str(user.id),
                user.name,
                user.email_id or "-",
                user.role,
                "yes" if user.is_active else "no",
                "yes" if user.password_hash else "no",
            )
            for user in await users.list_users(session, found.id)
        ]

    header = ("id", "name", "email", "role", "active", "password")
    echo_table(header, run_in_transaction(action, writes=False))


UserArgument = Annotated[str, typer.Argument(help="The user (name or email).")]


@user_app.command("deactivate")
def user_deactivate(name: UserArgument, portal: PortalOption = DEFAULT_PORTAL) -> None:
    """Deactivate a user: their keys and password are refused from the next request on; the
    user stays (their name still shows in every history) and `activate` restores them."""

    async def action(session: AsyncSession) -> str:
        found = await portals.get_portal(session, portal)
        return (await users.set_active(session, found.id, name, False, by=cli_actor())).name

    typer.echo(f"user '{run_in_transaction(action)}' deactivated on portal '{portal}'")


@user_app.command("activate")
def user_activate(name: UserArgument, portal: PortalOption = DEFAULT_PORTAL) -> None:
    """Reactivate a deactivated user: their unrevoked, unexpired keys and password work again."""

    async def action(session: AsyncSession) -> str:
        found = await portals.get_portal(session, portal)
        return (await users.set_active(session, found.id, name, True, by=cli_actor())).name

    typer.echo(f"user '{run_in_transaction(action)}' activated on portal '{portal}'")


@user_app.command("set-role")
def user_set_role(
    name: UserArgument,
    role: Annotated[str, typer.Argument(help="admin, technician or requester")],
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Change a user's role; their next request is judged by the new one."""

    async def action(session: AsyncSession) -> tuple[str, str]:
        found = await portals.get_portal(session, portal)
        user = await users.set_role(session, found.id, name, role, by=cli_actor())
        return user.name, user.role

    user_name, new_role = run_in_transaction(action)
    typer.echo(f"user '{user_name}' is now {new_role} on portal '{portal}'")


@user_app.command("away")
def user_away(
    name: UserArgument,
    delegate: Annotated[
        str | None, typer.Option(help="Who decides their approvals meanwhile (name or email).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="When they are back: a date (through that day, UTC), 2w, or a time."),
    ] = None,
    starting: Annotated[
        str | None, typer.Option("--from", help="When the period starts (default: now).")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="They are back: end the period.")] = False,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Set a user away with a delegate: approvals sent to them in the period go to the
    delegate, who may also decide their pending ones. Without options: show the period."""
    if clear and (delegate or until or starting):
        typer.echo("error: --clear takes no --delegate, --until or --from", err=True)
        raise typer.Exit(1)
    if not clear and (delegate is None) != (until is None):
        typer.echo("error: give both --delegate and --until (or --clear)", err=True)
        raise typer.Exit(1)
    user = Ref(name=name)

    def moment(text: str, field: str) -> dt.datetime:
        now = dt.datetime.now(dt.UTC)
        try:
            return parse_expiry(text, now) if field == "until" else parse_since(text, now)
        except Invalid as error:
            raise Invalid(error.message, field) from None

    async def action(session: AsyncSession) -> str:
        found = await portals.get_portal(session, portal)
        if clear:
            ended = await delegation.clear_away(session, found.id, user, by=cli_actor())
            return f"'{name}' is back" if ended else f"'{name}' was not away"
        if delegate is None or until is None:
            absence = await delegation.away_period(session, found.id, user)
            if absence is None:
                return f"'{name}' is not away"
        else:
            absence = await delegation.set_away(
                session,
                found.id,
                user,
                Ref(name=delegate),
                moment(until, "until"),
                None if starting is None else moment(starting, "from"),
                by=cli_actor(),
            )
        return (
            f"'{absence.user.name}' is away from {when(absence.starts_on)} until "
            f"{when(absence.ends_on)}; '{absence.delegate.name}' decides their approvals"
        )

    typer.echo(run_in_transaction(action, writes=clear or delegate is not None))


@lookup_app.command("add")
def lookup_add(
    kind: Annotated[str, typer.Argument(help=", ".join(lookups.KINDS))],
    name: str,
    parent: Annotated[str | None, typer.Option(help="Parent category or subcategory.")] = None,
    color: Annotated[str | None, typer.Option(help="Color, e.g. #ff0000.")] = None,
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Add a reference value (priority, impact, category, subcategory, item, service, …)."""

    async def action(session: AsyncSession) -> int:
        found = await portals.get_portal(session, portal)
        row = await lookups.add_lookup(
            session, portal_id=found.id, kind=kind, name=name, parent=parent, color=color
        )
        return row.id

    typer.echo(f"{kind} '{name}' added with id {run_in_transaction(action)}")


@app.command()
def demo(
    portal: PortalOption = DEFAULT_PORTAL,
    sign_in: Annotated[
        bool,
        typer.Option(
            "--sign-in",
            help="Give the demo accounts new random passwords and print them (for trying the "
            "web UI; run again for new ones)",
        ),
    ] = False,
) -> None:
    """Load a realistic demo dataset (once: a portal that has it is left alone)."""
    from releasedesk.cli.demo import demo_sign_ins, load_demo

    async def action(session: AsyncSession) -> str:
        loaded = await load_demo(session, portal)
        if not sign_in:
            return loaded
        accounts = await demo_sign_ins(session, portal)
        width = max(len(name) for name, _, _ in accounts)
        lines = [f"  {name:<{width}}  {password}  ({role})" for name, role, password in accounts]
        return loaded + "\n\nDemo accounts (name or email, password):\n" + "\n".join(lines)

    typer.echo(run_in_transaction(action))
