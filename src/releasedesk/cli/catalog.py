"""releasedesk catalog load FILE.json | show: the deployment catalog of a portal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.cli.runtime import run_in_transaction
from releasedesk.core.catalog import service as catalog
from releasedesk.core.catalog.file import read_catalog
from releasedesk.core.portals import service as portals
from releasedesk.settings import DEFAULT_PORTAL

catalog_app = typer.Typer(
    help="The deployment catalog: pipelines, environments, projects, CMS instances.",
    no_args_is_help=True,
)

PortalOption = Annotated[str, typer.Option("--portal", help="Portal name.")]


@catalog_app.command("load")
def catalog_load(
    file: Annotated[Path, typer.Argument(help="A catalog JSON file.", exists=True, dir_okay=False)],
    portal: PortalOption = DEFAULT_PORTAL,
) -> None:
    """Load a catalog file into the portal; ids are kept, so loading it again changes nothing."""
    try:
        document = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        typer.echo(f"error: {file} is not valid JSON: {exc}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None

    async def action(session: AsyncSession) -> str:
        found = await portals.get_portal(session, portal)
        loaded = await catalog.load_catalog(session, found.id, read_catalog(document))
        return f"catalog loaded into portal '{portal}': {loaded.describe()}"

    typer.echo(run_in_transaction(action))


@catalog_app.command("show")
def catalog_show(portal: PortalOption = DEFAULT_PORTAL) -> None:
    """List the portal's pipelines and projects."""

    async def action(session: AsyncSession) -> list[str]:
        found = await portals.get_portal(session, portal)
        pipelines, projects = await catalog.pipelines_and_projects(session, found.id)
        lines = [f"pipeline {p.id}: {p.name}" for p in pipelines]
        lines += [
            f"project {p.id}: {p.name} ({'partial' if p.partial_deployment else 'full'})"
            for p in projects
        ]
        return lines

    for line in run_in_transaction(action, writes=False):
        typer.echo(line)
