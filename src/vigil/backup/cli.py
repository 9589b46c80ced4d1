"""``vigil backup PATH`` and ``vigil restore PATH`` (registered as top-level commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.backup.service import KIND_NAMES, Outcome, backup_database, restore_database
from vigil.core.config import load_settings


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def _outdated(outcome: Outcome) -> str:
    return (
        f" Its schema revision is not this Vigil's latest ({outcome.head}), so no audit "
        "event was written: run `vigil db upgrade`."
        if outcome.outdated
        else ""
    )


def backup_command(
    path: Annotated[Path, typer.Argument(help="New archive file (never overwritten).")],
) -> None:
    """Write an encrypted archive of the database (attachments included) while the server
    runs. The keys directory is not in it: back it up separately."""
    settings = load_settings()
    outcome = backup_database(settings, path)
    info = outcome.archive.info
    typer.echo(
        f"Backup written to {path} ({KIND_NAMES[info.database]}, revision {info.revision}, "
        f"{_size(outcome.archive.size)}, encrypted with key {info.kek_id}; "
        f"SHA-256 {outcome.archive.sha256})."
    )
    typer.echo(
        "It can only be restored with that key: keep the keys directory backed up "
        "separately, offline, and never next to the archive."
    )
    if outcome.outdated:
        typer.echo(_outdated(outcome).strip())


def restore_command(
    path: Annotated[Path, typer.Argument(help="Archive written by `vigil backup`.")],
) -> None:
    """Restore an archive into an empty data directory or an empty PostgreSQL database (the
    keys directory it was made with must be in place first)."""
    settings = load_settings()
    outcome = restore_database(settings, path)
    info = outcome.archive.info
    typer.echo(
        f"Restored the {KIND_NAMES[info.database]} database from {path} (made {info.created_at} "
        f"by Vigil {info.vigil_version}, revision {info.revision})."
    )
    if outcome.outdated:
        typer.echo(_outdated(outcome).strip())
