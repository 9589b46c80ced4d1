"""``vigil people``: operator commands about defenders."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import database_session
from vigil.defenders.service import forget_defender

people_app = typer.Typer(help="Defenders' personal data.", no_args_is_help=True)


@people_app.command("forget")
def people_forget(
    defender_id: Annotated[int, typer.Argument(help="Defender id.", min=1)],
) -> None:
    """Destroy a defender's data key: their name, contacts and attachments become unreadable
    everywhere; pages then show "withheld". Archives made earlier still hold the wrapped key:
    `vigil keys rotate` then `vigil keys retire OLD` makes them unreadable too."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        forget_defender(session, vault=vault, defender_id=defender_id)
    typer.echo(f"Defender {defender_id}: personal data destroyed (crypto-shredded).")
