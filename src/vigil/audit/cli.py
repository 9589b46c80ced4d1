"""``vigil audit …``: check the audit chain from the command line, e.g. nightly from cron
(exit status 1 on a broken chain, so the scheduler can raise the alarm)."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.core.audit import verify_chain
from vigil.core.config import load_settings
from vigil.core.db import make_engine, make_sessionmaker, session_scope

audit_app = typer.Typer(help="Tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    batch: Annotated[int, typer.Option(help="Entries read per query.", min=1, max=100_000)] = 1000,
) -> None:
    """Walk the whole audit chain and report the first edited, deleted or reordered entry."""
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            report = verify_chain(session, batch=batch)
    finally:
        engine.dispose()
    if report.intact:
        typer.echo(f"Audit chain intact: {report.checked} entries checked.")
        return
    typer.echo(f"Audit chain broken at entry {report.first_broken_id}: {report.reason}.")
    raise typer.Exit(1)
