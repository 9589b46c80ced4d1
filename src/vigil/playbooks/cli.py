"""``vigil playbooks``: move playbooks in and out as YAML, list them, install the defaults.

Each command runs in one transaction: a refused file stores nothing. ``vigil playbooks
import`` is registered on this app by ``vigil.imports.cli`` (an import is recorded as an
import run, which this domain knows nothing of). Mistakes raise
``Invalid``/``NotFound``, which ``vigil`` prints as one line (exit status 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid

playbooks_app = typer.Typer(
    help="Alert playbooks: import, export, list, install the defaults.", no_args_is_help=True
)

Org = Annotated[str, typer.Option("--org", help="Organisation slug.")]


@playbooks_app.command("export")
def export_command(
    code: Annotated[str, typer.Argument(help="Playbook code, e.g. death_threat.")],
    org: Org,
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="Version (default: the current one).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write (default: standard output).")
    ] = None,
) -> None:
    """Print or write a playbook version's YAML, exactly as it was imported."""
    from vigil.organisations.service import get_organisation_by_slug
    from vigil.playbooks.service import export_playbook

    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        text = export_playbook(session, org_id=organisation.id, code=code, version=version)
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise Invalid(f"Cannot write {output}: {error.strerror}.") from None
    typer.echo(f"Wrote {output}.", err=True)


@playbooks_app.command("list")
def list_command(org: Org) -> None:
    """The current version of each playbook: code, version, attack types, title."""
    from vigil.organisations.service import get_organisation_by_slug
    from vigil.playbooks.service import list_playbooks

    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        rows = [
            (p.code, p.version, ",".join(p.attack_types), p.title)
            for p in list_playbooks(session, org_id=organisation.id)
        ]
    if not rows:
        typer.echo("No playbooks (install the defaults with `vigil playbooks install-defaults`).")
    for code, version, attack_types, title in rows:
        typer.echo(f"{code}\tv{version}\t{attack_types}\t{title}")


@playbooks_app.command("install-defaults")
def install_defaults_command(org: Org) -> None:
    """Install the bundled playbooks the organisation does not have yet (idempotent)."""
    from vigil.organisations.service import get_organisation_by_slug
    from vigil.playbooks.service import install_default_playbooks

    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        codes = [p.code for p in install_default_playbooks(session, org_id=organisation.id)]
    if codes:
        typer.echo(f"Installed {len(codes)} playbooks: {', '.join(codes)}.")
    else:
        typer.echo("Every default playbook is already installed.")
