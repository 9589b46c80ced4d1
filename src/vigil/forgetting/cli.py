"""``vigil people``: operator commands about defenders."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import database_session
from vigil.forgetting.service import forget_person

people_app = typer.Typer(help="Defenders' personal data.", no_args_is_help=True)


@people_app.command("forget")
def people_forget(
    defender_id: Annotated[int, typer.Argument(help="Defender id.", min=1)],
) -> None:
    """Forget a defender everywhere: destroy the keys of their record, of the reports and of
    the cases that may name them (old texts then read "forgotten"; the cases go on under new
    keys), and cancel deliveries not yet sent. Archives made earlier still hold the wrapped
    keys: `vigil keys rotate` then `vigil keys retire OLD` makes them unreadable too."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        result = forget_person(session, vault=vault, defender_id=defender_id)
    typer.echo(
        f"Defender {defender_id}: personal data destroyed (crypto-shredded), with the texts of "
        f"{result.incidents} case(s) and {result.reports} report(s); "
        f"{result.deliveries_cancelled} unsent delivery(ies) cancelled."
    )
