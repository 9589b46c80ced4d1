"""Tables of import runs: what was read, from which file, what it created, and what was wrong.

Every importer (incidents, companies CSV, FollowTheMoney, contacts CSV, playbook YAML) records
one ``ImportRun`` per invocation and one ``ImportedRecord`` per entity it created, so an
imported row can always say where it came from (file, line, run) and a whole run can be
rolled back. ``source_key`` is the stable key of a row in its source (an id column, or a hash
of the row's mapped values): re-reading the same file finds the key and creates nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class RunKind(StrEnum):
    incidents = "incidents"
    companies = "companies"
    ftm = "ftm"
    contacts = "contacts"
    playbooks = "playbooks"


class RunState(StrEnum):
    running = "running"  # batches are being written; the checkpoint says how far
    finished = "finished"
    failed = "failed"  # stopped on an error; resumable from the checkpoint
    rolled_back = "rolled_back"


class ImportRun(Base):
    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_org_started", "organisation_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the corporate registry's runs (companies CSV, FollowTheMoney): the registry
    #: is shared by every organisation, so its runs belong to none (command line only).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=RunState.running)
    #: The name the rows' provenance shows: the file's name, or what the importer was told.
    source_name: Mapped[str] = mapped_column(String(300))
    #: SHA-256 of the file's bytes: the same file resumed or re-run is recognised.
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: The mapping as given (TOML/YAML text or FIELD=COLUMN pairs), kept for inspection.
    mapping_text: Mapped[str] = mapped_column(Text, default="")
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_created: Mapped[int] = mapped_column(default=0)
    #: Rows whose source key an earlier run already imported (re-runs create nothing twice).
    rows_skipped: Mapped[int] = mapped_column(default=0)
    rows_invalid: Mapped[int] = mapped_column(default=0)
    #: Last source line whose batch was committed: a resumed run starts after it.
    checkpoint_line: Mapped[int] = mapped_column(default=0)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    rolled_back_at: Mapped[datetime | None]
    #: Why the run failed, in one line.
    error: Mapped[str | None] = mapped_column(Text)


class ImportedRecord(Base):
    """One entity a run created, with the source line and key it came from."""

    __tablename__ = "imported_records"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "source_key", "entity_type"),
        Index("ix_imported_records_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The run's organisation (None: a registry run), copied so key look-ups need no join.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    #: "incident", "company", "relationship", "contact", "playbook", …
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int]
    line: Mapped[int]
    source_key: Mapped[str] = mapped_column(String(128))


class ImportProblem(Base):
    """A row that could not be taken in as it is: invalid, unmapped or undecodable."""

    __tablename__ = "import_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int]
    column: Mapped[str | None] = mapped_column(String(200))
    #: "invalid", "unmapped", "undecodable", "unresolved_country", "ambiguous_date"…
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
