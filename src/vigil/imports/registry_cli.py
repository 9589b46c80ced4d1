"""``vigil import ftm`` and ``vigil import companies``: the corporate registry in, as runs.

Each import runs in one transaction: it is either written as a whole or not at all (an error
half-way rolls everything back), and it is recorded as one import run of no organisation
(the registry is shared). Bad lines or rows are printed on stderr with their numbers and
kept with the run; the summary goes to stdout. A ``--strict`` refusal writes nothing but a
failed run with its bad lines. FollowTheMoney is imported inside the commands: loading its
model takes most of a second, which every other ``vigil`` command should not pay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid
from vigil.imports.models import RunKind
from vigil.imports.recording import (
    CreatedRows,
    Outcome,
    close_run,
    file_sha256,
    record_refused_run,
)
from vigil.imports.runs import start_run

if TYPE_CHECKING:
    from vigil.companies.ftm_import import BadLines, ImportReport

Strict = Annotated[bool, typer.Option("--strict", help="Import nothing if any line or row is bad.")]
Dataset = Annotated[
    str | None,
    typer.Option(help="Name recorded as the rows' provenance (default: the file name)."),
]


def existing(path: Path) -> Path:
    if not path.is_file():
        raise Invalid(f"No such file: {path}")
    return path


@contextmanager
def progress(total: int, what: str) -> Iterator[Callable[[], None]]:
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
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda: bar.advance(task)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _report(report: ImportReport, run_id: int) -> None:
    for problem in report.problems:
        typer.echo(str(problem), err=True)
    for note in report.notes:
        typer.echo(note)
    typer.echo(report.summary())
    typer.echo(f"Recorded as import run #{run_id}.", err=True)


def _outcome(report: ImportReport, *, written: tuple[str, ...]) -> Outcome:
    """Rows read, and rows skipped: their entity already existed (updated or unchanged), or
    the file says to leave them out (persons, repeated rows)."""
    kept = sum(
        n
        for what, n in report.written.items()
        if what.split()[0] in written and what.endswith(("updated", "unchanged"))
    )
    problems = [(problem.line, problem.message) for problem in report.problems]
    return Outcome(
        read=report.lines, skipped=kept + sum(report.skipped.values()), problems=problems
    )


def _refused(error: BadLines, *, kind: str, path: Path, name: str, mapping: str = "") -> NoReturn:
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        record_refused_run(
            session,
            organisation_id=None,
            kind=kind,
            source_name=name,
            sha256=file_sha256(path),
            error=str(error),
            problems=[(problem.line, problem.message) for problem in error.problems],
            mapping_text=mapping,
        )
    raise error


def import_ftm_command(
    file: Annotated[Path, typer.Argument(help="Line-delimited FollowTheMoney JSON.")],
    strict: Strict = False,
    dataset: Dataset = None,
) -> None:
    """Import FollowTheMoney entities (companies, organisations, addresses, ownership,
    directorships, memberships, payments, debts, unknown links). Persons are not imported."""
    from vigil.companies.ftm_import import BadLines, import_ftm

    path = existing(file)
    settings = load_settings()
    created = CreatedRows()
    try:
        with (
            database_session(settings.effective_database_url) as session,
            progress(2 * _count_lines(path), "Importing") as tick,
        ):
            run = start_run(
                session,
                organisation_id=None,
                kind=RunKind.ftm,
                source_name=dataset or path.name,
                file_sha256=file_sha256(path),
            )
            report = import_ftm(
                session, path=path, dataset=dataset, strict=strict, tick=tick, on_created=created
            )
            outcome = _outcome(report, written=("addresses", "companies", "relationships"))
            run_id = close_run(session, run=run, created=created, outcome=outcome).id
    except BadLines as error:
        _refused(error, kind=RunKind.ftm, path=path, name=dataset or path.name)
    _report(report, run_id)


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

    path = existing(file)
    fields = parse_mapping(mapping)
    if len(delimiter) != 1:
        raise Invalid("--delimiter must be one character.")
    mapping_text = ",".join(f"{field}={column}" for field, column in fields.items())
    settings = load_settings()
    created = CreatedRows()
    try:
        with (
            database_session(settings.effective_database_url) as session,
            progress(max(_count_lines(path) - 1, 0), "Importing") as tick,
        ):
            run = start_run(
                session,
                organisation_id=None,
                kind=RunKind.companies,
                source_name=dataset or path.name,
                file_sha256=file_sha256(path),
                mapping_text=mapping_text,
            )
            report = import_companies_csv(
                session,
                path=path,
                mapping=fields,
                dataset=dataset,
                strict=strict,
                delimiter=delimiter,
                tick=tick,
                on_created=created,
            )
            outcome = _outcome(report, written=("companies",))
            run_id = close_run(session, run=run, created=created, outcome=outcome).id
    except BadLines as error:
        _refused(
            error,
            kind=RunKind.companies,
            path=path,
            name=dataset or path.name,
            mapping=mapping_text,
        )
    _report(report, run_id)
