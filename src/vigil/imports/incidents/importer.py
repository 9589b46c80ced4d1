"""Importing incidents from a mapped file: a dry run that writes nothing, or a real run in
batches that can be resumed.

A real run writes ``batch_size`` rows per transaction and moves the run's checkpoint in the
same transaction, so a crash loses at most the batch being written and the checkpoint never
claims rows that were not committed. On SQLite every write transaction takes the write lock
up front (``BEGIN IMMEDIATE``, ``core.db``) and gives it back at the batch's commit: a report
arriving through the intake form waits for one batch at most, never for the whole file. A run
that stopped (``failed``, or left ``running`` by a killed process) is found again by the file's
SHA-256 and the organisation, and resumed after its checkpoint; rows are skipped by their
stable source key either way, so re-running a finished file creates nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from vigil.core.crypto import KeyRing, Vault
from vigil.core.db import read_only_scope
from vigil.core.errors import Invalid
from vigil.imports.incidents.mapping import Mapping, check_columns
from vigil.imports.incidents.report import ImportReport
from vigil.imports.incidents.rows import Problem, RowTranslator, source_key
from vigil.imports.incidents.vocabulary import Translator, Vocabularies
from vigil.imports.incidents.writing import AliasPool, DraftWriter
from vigil.imports.models import ImportRun, RunKind
from vigil.imports.reading import ReadProblem, RowReader, SourceRow, open_rows
from vigil.imports.recording import file_sha256
from vigil.imports.runs import (
    fail_run,
    find_resumable_run,
    finish_run,
    known_source_keys,
    record_problem,
    save_checkpoint,
    start_run,
)

DEFAULT_BATCH_SIZE = 500
MAX_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class ImportOptions:
    org_id: int
    dry_run: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    #: Resume a stopped run of the same file (False: always open a new run; rows already
    #: imported are still skipped by their keys).
    resume: bool = True
    actor_user_id: int | None = None
    #: The name shown as the rows' provenance (default: the mapping's, else the file's name).
    source_name: str | None = None
    #: Language of the pseudonyms given to victims without an alias.
    alias_language: str = "en"


#: Called with the number of rows just handled (a progress bar).
Progress = Callable[[int], None]
#: Called after each committed batch with its number (1, 2, …): tests stop a run here.
AfterBatch = Callable[[int], None]


def import_incidents(
    factory: sessionmaker[Session],
    *,
    ring: KeyRing,
    path: Path,
    mapping: Mapping,
    options: ImportOptions,
    progress: Progress | None = None,
    after_batch: AfterBatch | None = None,
) -> ImportReport:
    """Read ``path`` through ``mapping`` for ``options.org_id``. The caller gives a session
    factory, not a session: each batch is its own transaction (a dry run: one read-only one)."""
    if not 1 <= options.batch_size <= MAX_BATCH_SIZE:
        raise Invalid(f"The batch size must be between 1 and {MAX_BATCH_SIZE}.")
    name = options.source_name or mapping.source_name or path.name
    report = ImportReport(source_name=name, dry_run=options.dry_run)
    with open_rows(
        path, fmt=mapping.format, sheet=mapping.sheet, delimiter=mapping.delimiter
    ) as reader:
        columns = check_columns(mapping, reader.columns)
        job = _Job(factory, ring, mapping, options, reader, columns, report, progress)
        with read_only_scope(factory) as session:
            job.translator = Translator(session, mapping, Vocabularies.load(session))
            job.translator.check_codes()
            if options.dry_run:
                job.dry_run(session)
                return report
        job.real_run(file_sha256(path), name, after_batch)
    return report


class _Job:
    """One import's state between batches."""

    translator: Translator

    def __init__(
        self,
        factory: sessionmaker[Session],
        ring: KeyRing,
        mapping: Mapping,
        options: ImportOptions,
        reader: RowReader,
        columns: dict[str, str],
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.factory, self.ring, self.mapping, self.options = factory, ring, mapping, options
        self.reader, self.columns, self.report = reader, columns, report
        self.progress = progress or (lambda _count: None)
        self.id_column = columns.get("id")
        #: Source key → first line holding it in this file (flat: one short string a row).
        self.seen: dict[str, int] = {}
        self.read_problems_seen = 0

    def dry_run(self, session: Session) -> None:
        for batch in self._batches(after_line=0):
            self._handle(session, batch, writer=None, vault=None, run=None)

    def real_run(self, sha256: str, name: str, after_batch: AfterBatch | None) -> None:
        run_id, checkpoint = self._open_run(sha256, name)
        self.report.run_id, self.report.resumed_from_line = run_id, checkpoint
        writer: DraftWriter | None = None
        aliases = AliasPool(self.options.alias_language)
        number = 0
        try:
            for batch in self._batches(after_line=checkpoint):
                with self.factory() as session, session.begin():
                    run = session.get_one(ImportRun, run_id)
                    writer = self._writer(run, aliases, name)
                    vault = Vault(session=session, ring=self.ring)
                    counts = self._handle(session, batch, writer=writer, vault=vault, run=run)
                    save_checkpoint(session, run=run, line=batch.last_line, **counts)
                number += 1
                if after_batch is not None:
                    after_batch(number)
            with self.factory() as session, session.begin():
                finish_run(session, run=session.get_one(ImportRun, run_id))
        except BaseException as error:  # a crash or Ctrl-C: the run says so, then re-raise
            self._fail(run_id, str(error) or type(error).__name__)
            raise

    def _fail(self, run_id: int, reason: str) -> None:
        """Mark the run failed in a transaction of its own (the batch's was rolled back). If
        even that fails (the database is gone), the run stays ``running``, which is resumed
        the same way: the original error matters more than this one."""
        try:
            with self.factory() as session, session.begin():
                fail_run(session, run=session.get_one(ImportRun, run_id), error=reason)
        except Exception:  # noqa: S110 - see the docstring
            pass

    def _open_run(self, sha256: str, name: str) -> tuple[int, int]:
        with self.factory() as session, session.begin():
            run = None
            if self.options.resume:
                run = find_resumable_run(
                    session,
                    organisation_id=self.options.org_id,
                    kind=RunKind.incidents,
                    file_sha256=sha256,
                )
            if run is None:
                run = start_run(
                    session,
                    organisation_id=self.options.org_id,
                    kind=RunKind.incidents,
                    source_name=name,
                    file_sha256=sha256,
                    mapping_text=self.mapping.text,
                    started_by_id=self.options.actor_user_id,
                )
            return run.id, run.checkpoint_line

    def _writer(self, run: ImportRun, aliases: AliasPool, name: str) -> DraftWriter:
        return DraftWriter(
            org_id=self.options.org_id,
            run=run,
            file_name=name,
            status=self.mapping.status,
            source_kind=self.mapping.source_kind,
            actor_user_id=self.options.actor_user_id,
            aliases=aliases,
        )

    def _batches(self, *, after_line: int) -> Iterator[_Batch]:
        """The file's rows after ``after_line``, ``batch_size`` at a time, each with its key
        and the reader's problems for it. Rows up to the checkpoint are only keyed, so a
        duplicate of one of them is still recognised."""
        batch = _Batch()
        for row in self.reader:
            problems = self._read_problems()
            if row.line <= after_line:
                key = source_key(row, self.id_column)
                if key is not None:
                    self.seen.setdefault(key, row.line)
                self.progress(1)
                continue
            batch.add(row, problems)
            if len(batch.rows) >= self.options.batch_size:
                yield batch
                batch = _Batch()
        batch.orphans.extend(self._read_problems())
        if batch.rows or batch.orphans:
            yield batch

    def _read_problems(self) -> list[ReadProblem]:
        new = self.reader.problems[self.read_problems_seen :]
        self.read_problems_seen = len(self.reader.problems)
        return list(new)

    def _handle(
        self,
        session: Session,
        batch: _Batch,
        *,
        writer: DraftWriter | None,
        vault: Vault | None,
        run: ImportRun | None,
    ) -> dict[str, int]:
        """Sort each row of the batch (already imported, duplicate, held back, or new) and
        write the new ones when there is a writer. Returns the batch's counts for the run."""
        self.translator.session = session
        translate = RowTranslator(self.mapping, self.columns, self.translator)
        keys = {row.line: source_key(row, self.id_column) for row in batch.rows}
        known = known_source_keys(
            session,
            organisation_id=self.options.org_id,
            kind=RunKind.incidents,
            keys=[key for key in keys.values() if key],
            entity_type="incident",
        )
        counts = Counter(read=0, created=0, skipped=0, invalid=0)
        for row in batch.rows:
            problems = self._sort(row, keys[row.line], known, batch.problems.get(row.line, []))
            outcome = translate.outcome(row, keys[row.line] or "") if problems == [] else None
            if outcome is not None:
                problems = outcome.problems
            if problems is None:
                counts["skipped"] += 1
                self.report.skipped += 1
            elif problems:
                counts["invalid"] += 1
                self._hold_back(session, run, problems)
            elif outcome is not None and outcome.draft is not None:
                if writer is not None and vault is not None:
                    writer.write(session, vault, outcome.draft)
                counts["created"] += 1
                self.report.count_created(outcome.draft)
        for orphan in batch.orphans:
            counts["invalid"] += 1
            self._hold_back(session, run, [_from_reader(orphan)])
        counts["read"] = len(batch.rows) + len(batch.orphans)
        self.report.rows_read += counts["read"]
        self.progress(len(batch.rows))
        return dict(counts)

    def _hold_back(self, session: Session, run: ImportRun | None, problems: list[Problem]) -> None:
        self.report.hold_back(problems)
        if run is None:
            return
        for problem in problems:
            record_problem(
                session,
                run=run,
                line=problem.line,
                kind=problem.kind,
                message=problem.message,
                column=problem.column,
            )

    def _sort(
        self, row: SourceRow, key: str | None, known: dict[str, int], read: list[ReadProblem]
    ) -> list[Problem] | None:
        """None: already imported (skip quietly). Otherwise the problems that hold the row
        back before its values are even read (none: go on). A repeated key is a duplicate of
        its first line whether or not that line was imported, so every run of a file, resumed
        or not, says the same of the same row."""
        if read:
            return [_from_reader(problem) for problem in read]
        if key is None:
            return [
                Problem(
                    line=row.line,
                    kind="invalid",
                    message="the id column is empty: the row has no stable key",
                    column=self.id_column,
                    field="id",
                )
            ]
        first = self.seen.setdefault(key, row.line)
        if first == row.line and key in known:
            return None
        if first != row.line:
            what = "the same id as" if self.id_column else "identical to"
            return [
                Problem(
                    line=row.line,
                    kind="duplicate",
                    message=f"duplicate: {what} line {first}",
                    column=self.id_column,
                    field="id",
                )
            ]
        return []


class _Batch:
    def __init__(self) -> None:
        self.rows: list[SourceRow] = []
        #: Reader problems of the batch's rows, by line.
        self.problems: dict[int, list[ReadProblem]] = {}
        #: Reader problems of lines that gave no row (a malformed line, skipped by the reader).
        self.orphans: list[ReadProblem] = []

    def add(self, row: SourceRow, problems: list[ReadProblem]) -> None:
        self.rows.append(row)
        for problem in problems:
            if problem.line == row.line:
                self.problems.setdefault(row.line, []).append(problem)
            else:
                self.orphans.append(problem)

    @property
    def last_line(self) -> int:
        lines = [row.line for row in self.rows] + [p.line for p in self.orphans]
        return max(lines, default=0)


def _from_reader(problem: ReadProblem) -> Problem:
    return Problem(
        line=problem.line, kind=problem.kind, message=problem.message, column=problem.column
    )


__all__ = ["DEFAULT_BATCH_SIZE", "ImportOptions", "ImportReport", "import_incidents"]
