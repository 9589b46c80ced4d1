"""``vigil contacts``: the recipient directory from the command line.

``import`` runs in one transaction. Bad rows are printed on stderr with their line numbers,
the summary on stdout; with ``--strict`` and any bad row nothing is written and the command
fails. Mistakes (no such file, organisation or role) are one line, never a traceback:
``vigil.cli.main`` prints the ``Invalid`` / ``NotFound`` raised here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.contacts.csv_import import decode_csv, import_contacts_csv
from vigil.contacts.models import Contact
from vigil.contacts.roles import CONTACT_ROLES
from vigil.contacts.service import search_contacts
from vigil.core.config import load_settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import database_session
from vigil.core.errors import Invalid
from vigil.organisations.service import get_organisation_by_slug

contacts_app = typer.Typer(help="The alert recipient directory.", no_args_is_help=True)

Org = Annotated[str, typer.Option("--org", help="Organisation slug.")]


@contacts_app.command("import")
def contacts_import(
    file: Annotated[Path, typer.Argument(help="CSV file, UTF-8, with a header row.")],
    org: Org,
    strict: Annotated[
        bool, typer.Option("--strict", help="Import nothing if any row is bad.")
    ] = False,
) -> None:
    """Import contacts from CSV (columns: name, role, title, kind, organisation, company,
    country, language, email, webhook_url, groups, notes); a known e-mail address updates."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise Invalid(f"Cannot read {file}: {error.strerror}.") from None
    text = decode_csv(raw)
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        vault = Vault(session=session, ring=keystore_for(settings).current())
        result = import_contacts_csv(
            session, vault, org_id=organisation.id, text=text, strict=strict
        )
    for problem in result.errors:
        typer.echo(str(problem), err=True)
    if not result.imported:
        raise Invalid(result.summary())
    typer.echo(result.summary())


@contacts_app.command("list")
def contacts_list(
    org: Org,
    role: Annotated[str | None, typer.Option(help="Only contacts with this role code.")] = None,
) -> None:
    """Print the organisation's contacts: id, name, role, organisation, channels."""
    if role is not None and role not in CONTACT_ROLES:
        raise Invalid(f"Unknown role {role!r}: use one of {', '.join(CONTACT_ROLES)}.")
    settings = load_settings()
    lines: list[str] = []
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        page, total = 1, None
        while total is None or (page - 1) * 100 < total:
            result = search_contacts(
                session, org_id=organisation.id, role=role, page=page, per_page=100
            )
            total = result.total
            lines.extend(_line(contact) for contact in result.items)
            page += 1
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} contact{'' if len(lines) == 1 else 's'}.", err=True)


def _line(contact: Contact) -> str:
    channels = ", ".join(a for a in (contact.email, contact.webhook_url) if a)
    where = f" ({contact.organisation_name})" if contact.organisation_name else ""
    state = "  [opted out]" if contact.opted_out_at else ""
    return f"{contact.id}\t{contact.name}{where}\t{contact.role}\t{channels}{state}"
