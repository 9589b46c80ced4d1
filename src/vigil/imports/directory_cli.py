"""``vigil contacts import`` and ``vigil playbooks import`` (also ``vigil import contacts`` and
``vigil import playbook``), each recorded as an import run of the organisation.

The commands live here, not in the contacts and playbooks CLIs, because recording a run is
this package's business and the domains below it must not know of imports: ``imports.cli``
registers these functions on both Typer apps. Each file is written in one transaction; a
file refused as a whole (``--strict`` with a bad row, an invalid playbook) writes nothing
but a failed run with the reason, so the run list shows the attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from vigil.core.config import load_settings
from vigil.core.db import database_session
from vigil.core.errors import Invalid, VigilError
from vigil.imports.models import RunKind
from vigil.imports.recording import (
    CreatedRows,
    Outcome,
    close_run,
    file_sha256,
    record_refused_run,
    refuse_run,
)
from vigil.imports.runs import start_run

Org = Annotated[str, typer.Option("--org", help="Organisation slug.")]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise Invalid(f"Cannot read {path}: {error.strerror}.") from None


def _refuse(
    *,
    org_id: int,
    kind: str,
    path: Path,
    raw: bytes,
    error: str,
    problems: Iterable[tuple[int, str]] = (),
) -> None:
    settings = load_settings()
    with database_session(settings.effective_database_url) as session:
        record_refused_run(
            session,
            organisation_id=org_id,
            kind=kind,
            source_name=path.name,
            sha256=file_sha256(raw),
            error=error,
            problems=problems,
        )


def import_contacts_command(
    file: Annotated[Path, typer.Argument(help="CSV file, UTF-8, with a header row.")],
    org: Org,
    strict: Annotated[
        bool, typer.Option("--strict", help="Import nothing if any row is bad.")
    ] = False,
) -> None:
    """Import contacts from CSV (columns: name, role, title, kind, organisation, company,
    country, language, email, webhook_url, groups, notes); a known e-mail address updates."""
    from vigil.contacts.csv_import import decode_csv, import_contacts_csv
    from vigil.core.crypto import Vault, keystore_for
    from vigil.organisations.service import get_organisation_by_slug

    raw = _read_bytes(file)
    text = decode_csv(raw)
    settings = load_settings()
    created = CreatedRows()
    with database_session(settings.effective_database_url) as session:
        organisation = get_organisation_by_slug(session, slug=org)
        vault = Vault(session=session, ring=keystore_for(settings).current())
        run = start_run(
            session,
            organisation_id=organisation.id,
            kind=RunKind.contacts,
            source_name=file.name,
            file_sha256=file_sha256(raw),
        )
        result = import_contacts_csv(
            session, vault, org_id=organisation.id, text=text, strict=strict, on_created=created
        )
        problems = [(error.line, error.message) for error in result.errors]
        if result.imported:
            outcome = Outcome(
                read=result.created + result.updated + result.unchanged + len(problems),
                skipped=result.updated + result.unchanged,
                problems=problems,
            )
            run_id = close_run(session, run=run, created=created, outcome=outcome).id
        else:
            refuse_run(session, run=run, error=result.summary(), problems=problems)
    for problem in result.errors:
        typer.echo(str(problem), err=True)
    if not result.imported:
        raise Invalid(result.summary())
    typer.echo(result.summary())
    typer.echo(f"Recorded as import run #{run_id}.", err=True)


def import_playbook_command(
    file: Annotated[Path, typer.Argument(help="Playbook YAML file.")],
    org: Org,
) -> None:
    """Store a playbook as the next version of its code (nothing if it is unchanged)."""
    from vigil.organisations.service import get_organisation_by_slug
    from vigil.playbooks.service import import_playbook, list_playbooks

    if not file.is_file():
        raise Invalid(f"No such file: {file}")
    raw = _read_bytes(file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(f"{file} is not UTF-8 text.") from None
    settings = load_settings()
    org_id = None
    try:
        with database_session(settings.effective_database_url) as session:
            org_id = get_organisation_by_slug(session, slug=org).id
            before = {p.id for p in list_playbooks(session, org_id=org_id)}
            run = start_run(
                session,
                organisation_id=org_id,
                kind=RunKind.playbooks,
                source_name=file.name,
                file_sha256=file_sha256(raw),
            )
            playbook = import_playbook(session, org_id=org_id, yaml_text=text, actor_user_id=None)
            code, version, unchanged = playbook.code, playbook.version, playbook.id in before
            created = CreatedRows()
            if not unchanged:
                created("playbook", playbook.id, 1, f"{code}:v{version}")
            outcome = Outcome(read=1, skipped=int(unchanged))
            close_run(session, run=run, created=created, outcome=outcome)
    except VigilError as error:
        if org_id is not None:
            _refuse(org_id=org_id, kind=RunKind.playbooks, path=file, raw=raw, error=str(error))
        raise
    if unchanged:
        typer.echo(f"{code}: unchanged (same as version {version}).")
    else:
        typer.echo(f"{code}: version {version} imported and now current.")
