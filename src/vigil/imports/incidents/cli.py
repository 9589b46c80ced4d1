"""``vigil import incidents FILE --map MAPPING --org SLUG``: existing records in.

The report goes to stdout (text, or ``--format json`` for a program); the progress bar to
stderr, on a terminal only. Mistakes in the command, the file or the mapping are one line
(``Invalid``, printed by ``vigil.cli.main``), never a traceback. ``--dry-run`` reads the
database (vocabularies, companies, keys already imported) but writes nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.crypto import keystore_for
from vigil.core.db import make_engine, make_sessionmaker, read_only_scope
from vigil.core.errors import Invalid
from vigil.imports.incidents.importer import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    ImportOptions,
    import_incidents,
)
from vigil.imports.incidents.mapping import Mapping, parse_mapping
from vigil.imports.reading import count_rows
from vigil.organisations.service import get_organisation_by_slug


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def read_mapping(path: Path) -> Mapping:
    """The mapping file, parsed and checked (its codes are checked once the database is open)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise Invalid(f"No such mapping file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise Invalid(f"Cannot read the mapping {path}: {error}.") from None
    return parse_mapping(text, name=path.name)


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """Rows per second on stderr while a terminal watches; nothing in a pipe or a log."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("Importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("import", total=total or None, rate="–")

        def advance(count: int) -> None:
            bar.advance(task, count)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:,.0f}" if speed else "–")

        yield advance


FileArgument = Annotated[Path, typer.Argument(help="CSV, XLSX or JSON-lines file of incidents.")]
MapOption = Annotated[
    Path, typer.Option("--map", help="Mapping file (TOML or YAML): see docs/imports/.")
]
OrgOption = Annotated[str, typer.Option("--org", help="Organisation slug.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be imported; write nothing.")
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Report as text or JSON.")]
BatchOption = Annotated[int, typer.Option(help="Rows per transaction.", min=1, max=MAX_BATCH_SIZE)]
ResumeOption = Annotated[
    bool,
    typer.Option(
        "--resume/--no-resume",
        help="Resume a stopped run of the same file after its checkpoint (default).",
    ),
]
SourceOption = Annotated[
    str | None,
    typer.Option(help="Provenance on each incident (default: mapping's, or file name)."),
]
AliasOption = Annotated[
    str, typer.Option(help="Language of pseudonyms for victims without an alias.")
]


def import_incidents_command(
    file: FileArgument,
    mapping_file: MapOption,
    org: OrgOption,
    dry_run: DryRunOption = False,
    output: FormatOption = OutputFormat.text,
    batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    resume: ResumeOption = True,
    source_name: SourceOption = None,
    alias_language: AliasOption = "en",
) -> None:
    """Import incidents from a spreadsheet or another system's export, through a mapping of
    its columns and words onto Vigil's fields and vocabularies."""
    if not file.is_file():
        raise Invalid(f"No such file: {file}")
    mapping = read_mapping(mapping_file)
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        factory = make_sessionmaker(engine)
        with read_only_scope(factory) as session:
            org_id = get_organisation_by_slug(session, slug=org).id
        options = ImportOptions(
            org_id=org_id,
            dry_run=dry_run,
            batch_size=batch_size,
            resume=resume,
            source_name=source_name,
            alias_language=alias_language,
        )
        total = count_rows(file, fmt=mapping.format, sheet=mapping.sheet)
        with progress_bar(total) as advance:
            report = import_incidents(
                factory,
                ring=keystore_for(settings).current(),
                path=file,
                mapping=mapping,
                options=options,
                progress=advance,
            )
    finally:
        engine.dispose()
    if output == OutputFormat.json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.render_text())
