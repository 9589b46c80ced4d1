"""Recording a run around an importer that writes a whole file in one transaction.

The registry importers (companies CSV, FollowTheMoney), the contacts CSV importer and the
playbook importer write a file at once: the command opens a run, hands the importer a
:class:`CreatedRows` as its ``on_created`` callback, and closes the run with the importer's
counts and problems (:func:`close_run`), all in the importer's transaction. When the file is
refused as a whole (``--strict`` and a bad row, a file that is not valid), nothing of it is
written, so the refusal is recorded in a transaction of its own (:func:`record_refused_run`):
the run list still says that someone tried, when, and which lines were wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from vigil.imports.models import ImportRun
from vigil.imports.runs import fail_run, finish_run, record_created, record_problem, start_run


def file_sha256(data: bytes | Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (a large file never sits in memory)."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    with data.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class CreatedRows:
    """The ``on_created`` callback of a domain importer: remembers what it created."""

    items: list[tuple[str, int, int, str]] = field(default_factory=list)

    def __call__(self, entity_type: str, entity_id: int, line: int, source_key: str) -> None:
        self.items.append((entity_type, entity_id, line, source_key))

    @property
    def rows(self) -> int:
        """Rows that created something (a row creating a company and its address is one)."""
        return len({line for _type, _id, line, _key in self.items})


@dataclass(frozen=True)
class Outcome:
    """What an importer reports, in the run's terms."""

    read: int
    skipped: int
    problems: Iterable[tuple[int, str]] = ()


def close_run(
    session: Session, *, run: ImportRun, created: CreatedRows, outcome: Outcome
) -> ImportRun:
    """Record the created entities and the problems, then finish the run with its counts
    (a row is invalid once however many problems it has)."""
    for entity_type, entity_id, line, source_key in created.items:
        record_created(
            session,
            run=run,
            entity_type=entity_type,
            entity_id=entity_id,
            line=line,
            source_key=source_key,
        )
    bad_lines = set()
    for line, message in outcome.problems:
        record_problem(session, run=run, line=line, kind="invalid", message=message)
        bad_lines.add(line)
    return finish_run(
        session,
        run=run,
        read=outcome.read,
        created=created.rows,
        skipped=outcome.skipped,
        invalid=len(bad_lines),
    )


def record_refused_run(
    session: Session,
    *,
    organisation_id: int | None,
    kind: str,
    source_name: str,
    sha256: str,
    error: str,
    problems: Iterable[tuple[int, str]] = (),
    mapping_text: str = "",
    started_by_id: int | None = None,
) -> ImportRun:
    """A run that wrote nothing: state ``failed``, its problems and the reason."""
    run = start_run(
        session,
        organisation_id=organisation_id,
        kind=kind,
        source_name=source_name,
        file_sha256=sha256,
        mapping_text=mapping_text,
        started_by_id=started_by_id,
    )
    return refuse_run(session, run=run, error=error, problems=problems)


def refuse_run(
    session: Session, *, run: ImportRun, error: str, problems: Iterable[tuple[int, str]] = ()
) -> ImportRun:
    """Close a run whose file was refused as a whole (its writes were rolled back)."""
    bad_lines = set()
    for line, message in problems:
        record_problem(session, run=run, line=line, kind="invalid", message=message)
        bad_lines.add(line)
    run.rows_invalid = len(bad_lines)
    return fail_run(session, run=run, error=error)
