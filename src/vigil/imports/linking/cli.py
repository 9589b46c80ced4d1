"""``vigil incidents``: incidents across sources from the command line.

``link-sources`` proposes pairs of incidents from different sources that are probably the
same event; analysts confirm or reject them on the staff page "Same incident, other sources".
It first indexes the name words of defenders recorded before the word index existed
(``defenders.name_tokens.backfill_name_tokens``), then matches on digests only.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from vigil.core.config import load_settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import database_session
from vigil.defenders.name_tokens import backfill_name_tokens
from vigil.imports.linking.proposing import check_options, propose_links
from vigil.imports.linking.scoring import DEFAULT_MIN_SCORE, DEFAULT_WINDOW_DAYS
from vigil.organisations.models import Organisation
from vigil.organisations.service import get_organisation_by_slug

incidents_app = typer.Typer(help="Incidents across sources.", no_args_is_help=True)


@incidents_app.command("link-sources")
def link_sources(
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation slug (default: every one).")
    ] = None,
    window_days: Annotated[
        int, typer.Option("--window-days", help="Most days between the two dates.")
    ] = DEFAULT_WINDOW_DAYS,
    min_score: Annotated[
        float, typer.Option("--min-score", help="Lowest score proposed (0 to 1).")
    ] = DEFAULT_MIN_SCORE,
) -> None:
    """Propose pairs of incidents from different sources that are probably the same event
    (victim's name, country and region, date within the window, type of attack)."""
    check_options(window_days=window_days, min_score=min_score)
    settings = load_settings()
    lines = []
    with database_session(settings.effective_database_url) as session:
        if org:
            organisations = [get_organisation_by_slug(session, slug=org)]
        else:
            organisations = list(session.scalars(select(Organisation).order_by(Organisation.id)))
        vault = Vault(session=session, ring=keystore_for(settings).current())
        for organisation in organisations:
            indexed = backfill_name_tokens(session, vault=vault, org_id=organisation.id)
            result = propose_links(
                session, org_id=organisation.id, window_days=window_days, min_score=min_score
            )
            lines.append(
                f"{organisation.slug}: {result.proposed} new proposal(s), "
                f"{result.known} already known, {result.compared} pair(s) compared "
                f"among {result.incidents} incident(s)"
                + (f"; {indexed} name(s) indexed" if indexed else "")
            )
    for line in lines:
        typer.echo(line)
