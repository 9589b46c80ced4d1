"""``vigil public``: publish the public counts now (the worker does it daily)."""

from __future__ import annotations

import typer

from vigil.core.config import load_settings
from vigil.core.db import database_session, utcnow
from vigil.public.publication import publish_snapshot

public_app = typer.Typer(help="The public counts.", no_args_is_help=True)


@public_app.command("publish")
def public_publish() -> None:
    """Recompute the public counts and replace the published ones (audited)."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        snapshot = publish_snapshot(
            session,
            now=utcnow(),
            min_cell=settings.public_min_cell,
            delay_days=settings.publication_delay_days,
        )
        total, until, min_cell = snapshot.total, snapshot.counted_until, snapshot.min_cell
    typer.echo(
        f"Public counts published: {total} incidents counted, verified until "
        f"{until:%Y-%m-%d %H:%M} UTC; counts below {min_cell} withheld."
    )
