"""``vigil import`` and ``vigil export``: the corporate registry in and out.

Each import runs in one transaction: it is either written as a whole or not at all (an error
half-way rolls everything back). Bad lines or rows are printed on stderr with their numbers;
the summary goes to stdout. FollowTheMoney is imported inside the commands: loading its model
takes most of a second, which every other `vigil` command should not pay.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer
from sqlalchemy.orm import Session

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid

if TYPE_CHECKING:
    from vigil.companies.ftm_import import BadLines, ImportReport

import_app = typer.Typer(help="Import companies and their links.", no_args_is_help=True)
export_app = typer.Typer(help="Export the corporate registry.", no_args_is_help=True)

Strict = Annotated[bool, typer.Option("--strict", help="Import nothing if any line or row is bad.")]
Dataset = Annotated[
    str | None,
    typer.Option(help="Name recorded as the rows' provenance (default: the file name)."),
]


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise Invalid(f"No such file: {path}")
    return path


@contextmanager
def _progress(total: int, what: str) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr (shown on a terminal only, gone when done)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(what, total=total)
        yield lambda: progress.advance(task)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _report(report: ImportReport) -> None:
    for problem in report.problems:
        typer.echo(str(problem), err=True)
    for note in report.notes:
        typer.echo(note)
    typer.echo(report.summary())


def _fail(error: BadLines) -> NoReturn:
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    raise error


@import_app.command("ftm")
def import_ftm_command(
    file: Annotated[Path, typer.Argument(help="Line-delimited FollowTheMoney JSON.")],
    strict: Strict = False,
    dataset: Dataset = None,
) -> None:
    """Import FollowTheMoney entities (companies, organisations, addresses, ownership,
    directorships, memberships, payments, debts, unknown links). Persons are not imported."""
    from vigil.companies.ftm_import import BadLines, import_ftm

    path = _existing(file)
    settings = load_settings()
    try:
        with (
            database_session(settings.effective_database_url) as session,
            _progress(2 * _count_lines(path), "Importing") as tick,
        ):
            report = import_ftm(session, path=path, dataset=dataset, strict=strict, tick=tick)
    except BadLines as error:
        _fail(error)
    _report(report)


@import_app.command("companies")
def import_companies_command(
    file: Annotated[Path, typer.Argument(help="CSV file, UTF-8, with a header row.")],
    mapping: Annotated[
        list[str],
        typer.Option(
            "--map",
            help="FIELD=COLUMN pairs, comma-separated, e.g. "
            "name=Company Name,jurisdiction=Country,lei=LEI,address=Address.",
        ),
    ],
    strict: Strict = False,
    dataset: Dataset = None,
    delimiter: Annotated[str, typer.Option(help="Field separator.")] = ",",
) -> None:
    """Import companies from a spreadsheet saved as CSV, with a column mapping."""
    from vigil.companies.csv_import import import_companies_csv, parse_mapping
    from vigil.companies.ftm_import import BadLines

    path = _existing(file)
    fields = parse_mapping(mapping)
    if len(delimiter) != 1:
        raise Invalid("--delimiter must be one character.")
    settings = load_settings()
    try:
        with (
            database_session(settings.effective_database_url) as session,
            _progress(max(_count_lines(path) - 1, 0), "Importing") as tick,
        ):
            report = import_companies_csv(
                session,
                path=path,
                mapping=fields,
                dataset=dataset,
                strict=strict,
                delimiter=delimiter,
                tick=tick,
            )
    except BadLines as error:
        _fail(error)
    _report(report)


@export_app.command("ftm")
def export_ftm_command(
    file: Annotated[str, typer.Argument(help="File to write, or - for standard output.")] = "-",
) -> None:
    """Write the registry as line-delimited FollowTheMoney entities."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        if file == "-":
            count = _write_entities(session, sys.stdout)
        else:
            try:
                with Path(file).open("w", encoding="utf-8") as handle:
                    count = _write_entities(session, handle)
            except OSError as error:
                raise Invalid(f"Cannot write {file}: {error.strerror}.") from None
    typer.echo(f"Exported {count} entities.", err=file == "-")


def _write_entities(session: Session, out: TextIO) -> int:
    from vigil.companies.ftm_export import export_registry

    count = 0
    for entity in export_registry(session):
        out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
