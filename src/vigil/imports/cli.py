"""``vigil import``: every importer, and the import runs they record.

``vigil import ftm|companies|contacts|playbook`` bring files in, each recorded as one import
run (``vigil contacts import`` and ``vigil playbooks import`` are the same commands, kept
where people look for them). ``vigil import runs`` lists runs, ``vigil import run RUN``
shows one with its problems by line, ``vigil import rollback RUN`` takes one back.

The command line is the deployment administrator's: without ``--org`` it sees every run,
the corporate registry's (which belong to no organisation) included. With ``--org`` it acts
as that organisation and refuses another organisation's run. Mistakes are one line.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from vigil.contacts.cli import contacts_app
from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid, NotFound
from vigil.imports.directory_cli import import_contacts_command, import_playbook_command
from vigil.imports.incidents.cli import import_incidents_command
from vigil.imports.models import ImportRun
from vigil.imports.registry_cli import import_companies_command, import_ftm_command
from vigil.imports.rollback import rollback_run
from vigil.imports.runs import count_problems, get_run, list_runs, run_problems
from vigil.playbooks.cli import playbooks_app

import_app = typer.Typer(
    help="Bring existing records in, and list, inspect or roll back import runs.",
    no_args_is_help=True,
)
import_app.command("ftm")(import_ftm_command)
import_app.command("companies")(import_companies_command)
import_app.command("contacts")(import_contacts_command)
import_app.command("playbook")(import_playbook_command)
import_app.command("incidents")(import_incidents_command)
contacts_app.command("import")(import_contacts_command)
playbooks_app.command("import")(import_playbook_command)

OrgOption = Annotated[
    str | None,
    typer.Option("--org", help="Organisation slug: only its runs (default: every run)."),
]
RunArgument = Annotated[int, typer.Argument(help="Import run number (see `vigil import runs`).")]


def _org_id(session: Session, slug: str | None) -> int | None:
    if slug is None:
        return None
    from vigil.organisations.service import get_organisation_by_slug

    return get_organisation_by_slug(session, slug=slug).id


def _run(session: Session, run_id: int, slug: str | None) -> ImportRun:
    """The run, or one clear line: unknown, or another organisation's."""
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"No import run #{run_id}.")
    org_id = _org_id(session, slug)
    if slug is not None and run.organisation_id != org_id:
        raise Invalid(f"Import run #{run_id} belongs to another organisation.")
    return get_run(session, run_id=run_id, organisation_id=org_id, every_organisation=slug is None)


def _counts(run: ImportRun) -> str:
    return f"{run.rows_created}/{run.rows_skipped}/{run.rows_invalid}"


@import_app.command("runs")
def runs_command(
    org: OrgOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
) -> None:
    """List import runs, newest first: id, kind, source, state, created/skipped/invalid rows,
    start time (UTC)."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        org_id = _org_id(session, org)
        rows = [
            (run.id, run.kind, run.source_name, run.state, _counts(run), run.started_at)
            for run in list_runs(
                session, organisation_id=org_id, every_organisation=org is None, limit=limit
            )
        ]
    if not rows:
        typer.echo("No import runs.")
        return
    typer.echo("id\tkind\tsource\tstate\tcreated/skipped/invalid\tstarted")
    for run_id, kind, source, state, counts, started in rows:
        typer.echo(f"{run_id}\t{kind}\t{source}\t{state}\t{counts}\t{started:%Y-%m-%d %H:%M}")


@import_app.command("run")
def run_command(run_id: RunArgument, org: OrgOption = None) -> None:
    """Show one import run: its file, counts, state, and every problem with its line."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        run = _run(session, run_id, org)
        lines = [
            f"Import run #{run.id}: {run.kind} from {run.source_name}",
            f"State: {run.state}" + (f" ({run.error})" if run.error else ""),
            f"Started: {run.started_at:%Y-%m-%d %H:%M} UTC"
            + (f"; ended {run.finished_at:%Y-%m-%d %H:%M} UTC" if run.finished_at else ""),
            f"Rows: {run.rows_read} read, {run.rows_created} created, "
            f"{run.rows_skipped} skipped, {run.rows_invalid} invalid",
            f"File SHA-256: {run.file_sha256}",
        ]
        if run.rolled_back_at:
            lines.append(f"Rolled back: {run.rolled_back_at:%Y-%m-%d %H:%M} UTC")
        if run.mapping_text:
            lines.append(f"Mapping: {run.mapping_text}")
        total = count_problems(session, run=run)
        problems = run_problems(session, run=run)
        lines.append(f"Problems: {total}")
        for problem in problems:
            column = f" [{problem.column}]" if problem.column else ""
            lines.append(f"  line {problem.line}{column}: {problem.kind}: {problem.message}")
        if total > len(problems):
            lines.append(f"  … and {total - len(problems)} more")
    for line in lines:
        typer.echo(line)


@import_app.command("rollback")
def rollback_command(
    run_id: RunArgument,
    org: OrgOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every record the run created (refused, naming them, when something made since
    uses them). The run stays listed, as rolled back."""
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        run = _run(session, run_id, org)
        summary = f"#{run.id} ({run.kind} from {run.source_name}, {run.rows_created} rows created)"
        if not yes and not typer.confirm(f"Roll back import run {summary}?", default=False):
            raise Invalid("Nothing rolled back.")
        deleted = rollback_run(
            session,
            run_id=run.id,
            organisation_id=run.organisation_id,
            every_organisation=org is None,
        )
    what = ", ".join(f"{count} {kind}" for kind, count in deleted.items() if count) or "nothing"
    typer.echo(f"Import run #{run_id} rolled back: deleted {what}.")
