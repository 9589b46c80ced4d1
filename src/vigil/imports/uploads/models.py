"""Tables of the web upload: one row per uploaded file (which is also the worker's durable
job once queued) and an organisation's saved mappings.

The file's bytes stay on disk under the data directory with a random name (never served
back, deleted once imported or after ``RETENTION``), sealed with the upload's own data key:
a spreadsheet of attacks names defenders, and nothing about a person lies on disk in clear.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class UploadState(StrEnum):
    uploaded = "uploaded"  # waiting for its mapping and a dry run
    queued = "queued"  # the worker will import it
    importing = "importing"  # a worker holds it (claimed_at says since when)
    done = "done"  # imported (its run says how), file deleted
    failed = "failed"  # the import stopped on an error (its run says which), file deleted
    expired = "expired"  # never imported; the file was deleted after the retention period


class ImportUpload(Base):
    __tablename__ = "import_uploads"
    __table_args__ = (Index("ix_import_uploads_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The random file name under ``<data_dir>/uploads`` (token + the format's suffix).
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    #: The name the user's file had: shown, and the provenance of the imported rows.
    original_name: Mapped[str] = mapped_column(String(300))
    #: The key the stored file is sealed with (``uploads.service.plain_copy`` opens it).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    size: Mapped[int]
    file_sha256: Mapped[str] = mapped_column(String(64))
    #: The mapping as last typed (TOML or YAML, ``mapping_syntax`` says which).
    mapping_text: Mapped[str] = mapped_column(Text, default="")
    mapping_syntax: Mapped[str] = mapped_column(String(4), default="toml")
    state: Mapped[str] = mapped_column(String(20), default=UploadState.uploaded)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a worker took the job, moved on after every batch: an old one means it died.
    claimed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class SavedMapping(Base):
    """A mapping an organisation keeps under a name, for the next file of the same shape."""

    __tablename__ = "import_saved_mappings"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    syntax: Mapped[str] = mapped_column(String(4), default="toml")
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
