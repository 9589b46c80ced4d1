"""``vigil audit …``: check the audit chain from the command line, e.g. nightly from cron
(exit status 1 on a broken chain, so the scheduler can raise the alarm), and write signed
checkpoints of its newest entry to a second place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.core.audit import audit_seal
from vigil.core.audit_head import AnchorError, read_checkpoint, write_checkpoint
from vigil.core.audit_verify import Anchor, ChainReport, tail_head, verify_chain
from vigil.core.config import load_settings
from vigil.core.db import database_session, utcnow
from vigil.core.errors import Invalid

audit_app = typer.Typer(help="Tamper-evident audit log.", no_args_is_help=True)


def describe(report: ChainReport) -> str:
    """The one line ``verify`` prints."""
    if report.intact:
        line = f"Audit chain intact: {report.checked} entries checked."
        if report.behind:
            line += (
                f" The head file is {report.behind} entries behind (a process stopped between "
                "its commit and the head write; the next entry brings it up to date)."
            )
        return line
    if report.first_broken_id is not None:
        return f"Audit chain broken at entry {report.first_broken_id}: {report.reason}."
    return f"Audit chain broken: {report.reason}."


@audit_app.command("verify")
def audit_verify(
    batch: Annotated[int, typer.Option(help="Entries read per query.", min=1, max=100_000)] = 1000,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(help="A checkpoint file (`vigil audit checkpoint`) to hold the log against."),
    ] = None,
) -> None:
    """Walk the whole audit chain and report the first edited, deleted, inserted or reordered
    entry, or entries missing at the end (held against the head file and any checkpoint)."""
    settings = load_settings()
    seal = audit_seal(settings)
    try:
        anchors = [
            Anchor(f"the checkpoint {path.name}", read_checkpoint(path, seal.keys()))
            for path in checkpoint or []
        ]
    except AnchorError as error:
        raise Invalid(str(error)) from None
    with database_session(settings.effective_database_url) as session:
        report = verify_chain(session, seal=seal, batch=batch, checkpoints=anchors)
    typer.echo(describe(report))
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[
        Path, typer.Option(help="Where to write it: another disk or machine than the database.")
    ],
) -> None:
    """Write the newest entry's position and MAC, signed with the audit key, to a file kept
    away from the server (check it later with `vigil audit verify --checkpoint FILE`)."""
    settings = load_settings()
    seal = audit_seal(settings)
    with database_session(settings.effective_database_url) as session:
        head = tail_head(session)
    if head is None:
        raise Invalid("The audit log is empty: there is nothing to checkpoint yet.")
    try:
        write_checkpoint(output, head, seal.keys(), created_at=utcnow())
    except FileExistsError:
        raise Invalid(f"{output} already exists: choose a new file name.") from None
    typer.echo(f"Checkpoint written to {output}: {head.seq} entries, newest {head.entry_id}.")
