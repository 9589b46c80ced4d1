"""``vigil retention``: apply the retention periods (the worker runs this daily once it lands)."""

from __future__ import annotations

import typer

from vigil.core.config import load_settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import database_session, utcnow
from vigil.intake.retention import RetentionPolicy, apply_retention

retention_app = typer.Typer(help="Retention of reports and attachments.", no_args_is_help=True)


@retention_app.command("run")
def retention_run() -> None:
    """Purge rejected reports and empty old attachments of closed reports (idempotent)."""
    settings = load_settings()
    policy = RetentionPolicy(
        rejected_report_days=settings.retention_rejected_report_days,
        closed_attachment_days=settings.retention_closed_attachment_days,
    )
    with database_session(settings.effective_database_url) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        result = apply_retention(session, vault=vault, policy=policy, now=utcnow())
    typer.echo(
        f"Retention applied: {result.reports_purged} rejected reports purged, "
        f"{result.attachments_emptied} attachments of closed reports emptied."
    )
