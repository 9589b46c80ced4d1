"""``vigil public``: publish the public counts now (the worker does it daily); ``vigil export
incidents``: the register's open data to a file."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from vigil.core.config import load_settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import database_session, utcnow
from vigil.core.errors import Invalid
from vigil.public.csv_lines import database_csv_chunks
from vigil.public.exports import FORMATS, export_chunks
from vigil.public.open_data import count_rows, iter_cells
from vigil.public.publication import publish_snapshot
from vigil.public.register import RegisterFilters
from vigil.public.register_batch import refresh_register

public_app = typer.Typer(help="The public counts.", no_args_is_help=True)


@public_app.command("publish")
def public_publish() -> None:
    """Recompute the public counts and replace the published ones, and refresh the public
    register (both audited)."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        now = utcnow()
        snapshot = publish_snapshot(
            session,
            now=now,
            min_cell=settings.public_min_cell,
            delay_days=settings.publication_delay_days,
        )
        total, until, min_cell = snapshot.total, snapshot.counted_until, snapshot.min_cell
        vault = Vault(session=session, ring=keystore_for(settings).current())
        register = refresh_register(session, vault=vault, settings=settings, now=now)
    typer.echo(
        f"Public counts published: {total} incidents counted, verified until "
        f"{until:%Y-%m-%d %H:%M} UTC; counts below {min_cell} withheld."
    )
    typer.echo(
        f"Public register: {register.added} added, {register.updated} updated, "
        f"{register.removed} removed, {register.unchanged} unchanged."
    )


def export_incidents(
    fmt: Annotated[
        str, typer.Option("--format", help="csv or jsonl (the same rows as /data/incidents.*).")
    ] = "csv",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
) -> None:
    """Write the public register's incidents as on the open-data downloads (de-identified)."""
    if fmt not in FORMATS:
        raise Invalid(f"Unknown format {fmt!r}: use csv or jsonl.")
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        filters = RegisterFilters()
        total = count_rows(session, filters)
        with _progress(total) as advance:
            if fmt == "csv":
                chunks = _counting_lines(
                    database_csv_chunks(session, filters, base_url=settings.base_url), advance
                )
            else:
                rows = iter_cells(session, filters, base_url=settings.base_url)
                chunks = export_chunks(fmt, _counting(rows, advance))
            if output is None:
                for chunk in chunks:
                    sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            else:
                _write_file(output, chunks)
    where = "standard output" if output is None else str(output)
    typer.echo(f"Exported {total} incidents to {where}.", err=output is None)


#: The progress bar moves every this many rows (moving it per row cost more than the row).
PROGRESS_STEP = 1000


def _counting(
    rows: Iterator[tuple[Any, ...]], advance: Callable[[int], None]
) -> Iterator[tuple[Any, ...]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_STEP == 0:
            advance(PROGRESS_STEP)
    advance(done % PROGRESS_STEP)


def _counting_lines(chunks: Iterator[bytes], advance: Callable[[int], None]) -> Iterator[bytes]:
    """CSV chunks, moving the bar by their line breaks (a summary with a line break moves
    it one row early: it is a progress bar, not the count, which comes from the database)."""
    for chunk in chunks:
        yield chunk
        advance(chunk.count(b"\r\n"))


def _write_file(path: Path, chunks: Iterator[bytes]) -> None:
    """Written beside the target and renamed at the end: a failed export leaves no half file."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise Invalid(f"Cannot write {path}: {error.strerror}.") from None


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (on a terminal only, gone when done)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("Exporting incidents"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("incidents", total=total)
        yield lambda rows: progress.advance(task, rows)
