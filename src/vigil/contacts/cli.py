"""``vigil contacts``: the recipient directory from the command line.

``vigil contacts import`` is registered on this app by ``vigil.imports.cli``: an import is
recorded as an import run, which this domain knows nothing of. Mistakes (no such
organisation or role) are one line, never a traceback: ``vigil.cli.main`` prints the
``Invalid`` / ``NotFound`` raised here.
"""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.contacts.models import Contact
from vigil.contacts.roles import CONTACT_ROLES
from vigil.contacts.service import search_contacts
from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid
from vigil.organisations.service import get_organisation_by_slug

contacts_app = typer.Typer(help="The alert recipient directory.", no_args_is_help=True)

Org = Annotated[str, typer.Option("--org", help="Organisation slug.")]


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
