"""The one import-run service every importer records through.

An importer opens a run (:func:`start_run`), records each entity it creates
(:func:`record_created`) and each row it could not take in (:func:`record_problem`), moves
the checkpoint after every committed batch (:func:`save_checkpoint`) and closes the run
(:func:`finish_run` or :func:`fail_run`). Nothing here commits: the importer owns its
transactions (one per batch), so a crash loses at most the batch being written and the run
row says how far it got.

Runs of the corporate registry (companies CSV, FollowTheMoney) have no organisation: the
registry is shared by every organisation of a deployment, so its runs are administered from
the command line only and never appear on an organisation's staff pages.

Counts are *deltas*: ``save_checkpoint(read=…, created=…)`` adds to the run's counts, so a
resumed run keeps counting from where the failed one stopped. A row is counted once: one row
may create several entities (an incident, its defender, its source) but is one row created.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.errors import Conflict, NotFound
from vigil.imports.models import ImportedRecord, ImportProblem, ImportRun, RunKind, RunState

#: Runs whose kind feeds the shared corporate registry: they belong to no organisation.
REGISTRY_KINDS = frozenset({RunKind.companies, RunKind.ftm})
#: Longest problem message kept (a pasted cell can be huge; the line number says where).
MAX_MESSAGE = 1000
#: Source keys looked up per query (stays under every database's bound-parameter limit).
KEY_CHUNK = 500


@dataclass(frozen=True)
class Provenance:
    """Where one imported entity came from: shown as "Imported from FILE, line N, import
    run #R (date)"."""

    run_id: int
    kind: str
    source_name: str
    line: int
    source_key: str
    started_at: datetime
    state: str


def start_run(
    session: Session,
    *,
    organisation_id: int | None,
    kind: str,
    source_name: str,
    file_sha256: str,
    mapping_text: str = "",
    started_by_id: int | None = None,
) -> ImportRun:
    """Open a run in state ``running`` and flush it (so ``run.id`` is known). Registry kinds
    take ``organisation_id=None``; every other kind needs an organisation."""
    if kind not in set(RunKind):
        raise ValueError(f"unknown import kind {kind!r}")
    if (kind in REGISTRY_KINDS) != (organisation_id is None):
        raise ValueError(f"{kind} runs {'have no' if kind in REGISTRY_KINDS else 'need an'} org")
    run = ImportRun(
        organisation_id=organisation_id,
        kind=kind,
        state=RunState.running,
        source_name=source_name[:300],
        file_sha256=file_sha256,
        mapping_text=mapping_text,
        started_by_id=started_by_id,
        started_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


def find_resumable_run(
    session: Session, *, organisation_id: int | None, kind: str, file_sha256: str
) -> ImportRun | None:
    """The newest run of the same file (same bytes) that did not finish (``running`` after a
    crash, or ``failed``), marked ``running`` again: resuming it starts after its
    ``checkpoint_line`` and its counts go on adding up. None: start a new run."""
    query = (
        select(ImportRun)
        .where(
            _org_is(organisation_id),
            ImportRun.kind == kind,
            ImportRun.file_sha256 == file_sha256,
            ImportRun.state.in_([RunState.running, RunState.failed]),
        )
        .order_by(ImportRun.id.desc())
        .limit(1)
    )
    run = session.scalars(query).first()
    if run is not None and run.state == RunState.failed:
        run.state = RunState.running
        run.error = None
        session.flush()
    return run


def known_source_keys(
    session: Session,
    *,
    organisation_id: int | None,
    kind: str,
    keys: Iterable[str],
    entity_type: str | None = None,
) -> dict[str, int]:
    """Which of ``keys`` an earlier (not rolled back) run of this kind already imported for
    this organisation: source key → entity id (of ``entity_type`` when given, else of the
    first entity recorded for the key). Rows with a known key are skipped, so re-running a
    file creates nothing twice."""
    found: dict[str, int] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), KEY_CHUNK):
        query = (
            select(ImportedRecord.source_key, ImportedRecord.entity_id)
            .where(
                _record_org_is(organisation_id),
                ImportedRecord.kind == kind,
                ImportedRecord.source_key.in_(wanted[start : start + KEY_CHUNK]),
            )
            .order_by(ImportedRecord.id)
        )
        if entity_type is not None:
            query = query.where(ImportedRecord.entity_type == entity_type)
        for key, entity_id in session.execute(query):
            found.setdefault(key, entity_id)
    return found


def record_created(
    session: Session,
    *,
    run: ImportRun,
    entity_type: str,
    entity_id: int,
    line: int,
    source_key: str,
) -> ImportedRecord:
    """Remember that ``run`` created this entity from ``line`` (row key ``source_key``).
    Only entities the run *created* are recorded: rollback deletes exactly these, and an
    entity that existed before (a company updated by a re-run) is never deleted."""
    record = ImportedRecord(
        organisation_id=run.organisation_id,
        run_id=run.id,
        kind=run.kind,
        entity_type=entity_type,
        entity_id=entity_id,
        line=line,
        source_key=source_key[:128],
    )
    session.add(record)
    return record


def record_problem(
    session: Session,
    *,
    run: ImportRun,
    line: int,
    kind: str,
    message: str,
    column: str | None = None,
) -> ImportProblem:
    """Keep one problem of one source line (``kind``: invalid, unmapped, undecodable…).
    Does not count the row as invalid: the importer says so in :func:`save_checkpoint`
    (a row may have several problems)."""
    problem = ImportProblem(
        run_id=run.id,
        line=line,
        column=column[:200] if column else None,
        kind=kind[:30],
        message=message[:MAX_MESSAGE],
    )
    session.add(problem)
    return problem


def save_checkpoint(
    session: Session,
    *,
    run: ImportRun,
    line: int,
    read: int = 0,
    created: int = 0,
    skipped: int = 0,
    invalid: int = 0,
) -> None:
    """After a batch: add the batch's counts to the run and move the checkpoint to ``line``
    (the last source line of the batch). The caller commits right after, with the batch."""
    run.rows_read += read
    run.rows_created += created
    run.rows_skipped += skipped
    run.rows_invalid += invalid
    run.checkpoint_line = max(run.checkpoint_line, line)
    session.flush()


def finish_run(
    session: Session,
    *,
    run: ImportRun,
    read: int = 0,
    created: int = 0,
    skipped: int = 0,
    invalid: int = 0,
) -> ImportRun:
    """Close the run as ``finished`` (adding the last counts, as :func:`save_checkpoint`)."""
    run.rows_read += read
    run.rows_created += created
    run.rows_skipped += skipped
    run.rows_invalid += invalid
    run.state = RunState.finished
    run.finished_at = utcnow()
    session.flush()
    return run


def fail_run(session: Session, *, run: ImportRun, error: str) -> ImportRun:
    """Mark the run ``failed`` with a one-line reason. Call it in a fresh transaction after
    rolling back the batch that failed: the checkpoint of the last good batch stays, and
    :func:`find_resumable_run` finds the run again."""
    run.state = RunState.failed
    run.error = " ".join(error.split())[:MAX_MESSAGE]
    run.finished_at = utcnow()
    session.flush()
    return run


def list_runs(
    session: Session,
    *,
    organisation_id: int | None,
    every_organisation: bool = False,
    limit: int = 200,
) -> list[ImportRun]:
    """Runs newest first: the organisation's (``organisation_id=None``: the registry's), or
    with ``every_organisation`` all of them (the command line of the deployment's admin)."""
    query = select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    if not every_organisation:
        query = query.where(_org_is(organisation_id))
    return list(session.scalars(query))


def get_run(
    session: Session,
    *,
    run_id: int,
    organisation_id: int | None,
    every_organisation: bool = False,
) -> ImportRun:
    """One run; NotFound when it does not exist or belongs to another organisation (a
    registry run has none: it is seen with ``organisation_id=None`` or ``every_organisation``)."""
    run = session.get(ImportRun, run_id)
    if run is None or (not every_organisation and run.organisation_id != organisation_id):
        raise NotFound(f"No import run #{run_id}.")
    return run


def run_problems(session: Session, *, run: ImportRun, limit: int = 1000) -> list[ImportProblem]:
    """The run's problems in source-line order (the first ``limit``)."""
    query = (
        select(ImportProblem)
        .where(ImportProblem.run_id == run.id)
        .order_by(ImportProblem.line, ImportProblem.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_problems(session: Session, *, run: ImportRun) -> int:
    query = select(func.count()).select_from(ImportProblem).where(ImportProblem.run_id == run.id)
    return session.scalar(query) or 0


def run_records(session: Session, *, run: ImportRun) -> Iterator[ImportedRecord]:
    """Every entity the run created, in the order it created them."""
    query = select(ImportedRecord).where(ImportedRecord.run_id == run.id)
    yield from session.scalars(query.order_by(ImportedRecord.id))


def provenance_for(
    session: Session, *, entity_type: str, entity_id: int, organisation_id: int | None = None
) -> Provenance | None:
    """Where an entity came from (the run that created it), or None (entered by hand, or
    its run was rolled back). ``organisation_id`` (when given) keeps another organisation's
    runs out."""
    query = (
        select(ImportedRecord, ImportRun)
        .join(ImportRun, ImportRun.id == ImportedRecord.run_id)
        .where(ImportedRecord.entity_type == entity_type, ImportedRecord.entity_id == entity_id)
        .order_by(ImportedRecord.id)
        .limit(1)
    )
    if organisation_id is not None:
        query = query.where(ImportedRecord.organisation_id == organisation_id)
    row = session.execute(query).first()
    if row is None:
        return None
    record, run = row
    return Provenance(
        run_id=run.id,
        kind=run.kind,
        source_name=run.source_name,
        line=record.line,
        source_key=record.source_key,
        started_at=run.started_at,
        state=run.state,
    )


def ensure_not_rolled_back(run: ImportRun) -> None:
    if run.state == RunState.rolled_back:
        raise Conflict(f"Import run #{run.id} was already rolled back.")


def _org_is(organisation_id: int | None):
    if organisation_id is None:
        return ImportRun.organisation_id.is_(None)
    return ImportRun.organisation_id == organisation_id


def _record_org_is(organisation_id: int | None):
    if organisation_id is None:
        return ImportedRecord.organisation_id.is_(None)
    return ImportedRecord.organisation_id == organisation_id
