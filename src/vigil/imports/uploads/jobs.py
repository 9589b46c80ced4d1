"""The worker's side of the web upload: import the queued files, one slice of time at a time.

The upload row is the durable job. A worker claims it (``importing``, ``claimed_at`` moved on
after every batch), runs the incident importer on it batch by batch, and after ``SLICE``
hands it back to the queue so that alerts and deliveries never wait behind a long file: the
next round resumes after the run's checkpoint, as a killed worker's file is resumed once its
claim is older than ``STALE_CLAIM``. Every batch is the importer's own transaction.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from vigil.core.crypto import KeyRing, Vault
from vigil.core.db import session_scope, utcnow
from vigil.core.errors import Invalid
from vigil.imports.incidents.importer import DEFAULT_BATCH_SIZE, ImportOptions, import_incidents
from vigil.imports.models import ImportRun, RunState
from vigil.imports.runs import fail_run
from vigil.imports.uploads.models import ImportUpload, UploadState
from vigil.imports.uploads.service import open_upload, private_copy, read_mapping, upload_path

log = logging.getLogger("vigil.imports.uploads")
#: Longest a worker imports one file before giving the round back to its other jobs.
SLICE = timedelta(seconds=20)
#: A claim not moved on for this long belongs to a worker that died: the file is taken again.
STALE_CLAIM = timedelta(minutes=10)


class _SliceOver(Exception):
    """Raised between two committed batches when the slice is used up."""


def claim_next_upload(factory: sessionmaker[Session], *, now: datetime) -> int | None:
    """The oldest queued upload (or one whose worker died), claimed by a conditional UPDATE
    so that two workers never take the same file."""
    with session_scope(factory) as session:
        stale = now - STALE_CLAIM
        waiting = or_(
            ImportUpload.state == UploadState.queued,
            (ImportUpload.state == UploadState.importing) & (ImportUpload.claimed_at < stale),
        )
        candidate = session.scalars(
            select(ImportUpload.id).where(waiting).order_by(ImportUpload.id).limit(1)
        ).first()
        if candidate is None:
            return None
        claimed = session.execute(
            update(ImportUpload)
            .where(ImportUpload.id == candidate, waiting)
            .values(state=UploadState.importing, claimed_at=now)
        )
        return candidate if claimed.rowcount == 1 else None


def run_queued_upload(
    factory: sessionmaker[Session],
    *,
    ring: KeyRing,
    data_dir: Path,
    now: datetime | None = None,
    slice_: timedelta = SLICE,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int | None:
    """Import (a slice of) the next queued file. Returns the upload's id, None when none
    waited."""
    upload_id = claim_next_upload(factory, now=now or utcnow())
    if upload_id is None:
        return None
    with session_scope(factory) as session:
        upload = session.get_one(ImportUpload, upload_id)
        org_id, user_id, name = upload.organisation_id, upload.created_by_id, upload.original_name
        text, syntax, run_id = upload.mapping_text, upload.mapping_syntax, upload.run_id
        suffix = Path(upload.stored_name).suffix
        try:
            content: bytes | None = open_upload(Vault(session=session, ring=ring), data_dir, upload)
        except Invalid as gone:
            content, refused = None, str(gone)
    if content is None:
        _end(factory, upload_id, run_id, data_dir, error=refused)
        return upload_id
    # The sealed file opened into a private copy for this slice only.
    with private_copy(data_dir, suffix, content) as path:
        return _import_slice(
            factory,
            ring=ring,
            data_dir=data_dir,
            upload_id=upload_id,
            run_id=run_id,
            path=path,
            mapping=(text, syntax),
            options=ImportOptions(
                org_id=org_id, actor_user_id=user_id, source_name=name, batch_size=batch_size
            ),
            slice_=slice_,
        )


def _import_slice(
    factory: sessionmaker[Session],
    *,
    ring: KeyRing,
    data_dir: Path,
    upload_id: int,
    run_id: int | None,
    path: Path,
    mapping: tuple[str, str],
    options: ImportOptions,
    slice_: timedelta,
) -> int:
    """One slice of the import of ``path`` with ``mapping`` (its text and syntax, read here
    so that a mapping gone bad fails the upload like any other refusal)."""
    deadline = time.monotonic() + slice_.total_seconds()

    def after_batch(_number: int) -> None:
        with session_scope(factory) as session:
            session.get_one(ImportUpload, upload_id).claimed_at = utcnow()
        if time.monotonic() >= deadline:
            raise _SliceOver

    try:
        import_incidents(
            factory,
            ring=ring,
            path=path,
            mapping=read_mapping(*mapping),
            options=options,
            after_batch=after_batch,
        )
    except _SliceOver:
        _requeue(factory, upload_id, run_id)
        return upload_id
    except Exception as error:
        log.warning("import of upload %s failed: %s", upload_id, error)
        _end(factory, upload_id, run_id, data_dir, error=str(error) or type(error).__name__)
        return upload_id
    _end(factory, upload_id, run_id, data_dir, error=None)
    return upload_id


def _requeue(factory: sessionmaker[Session], upload_id: int, run_id: int | None) -> None:
    """The importer marked the run failed on the way out: it is only paused."""
    with session_scope(factory) as session:
        session.get_one(ImportUpload, upload_id).state = UploadState.queued
        run = session.get(ImportRun, run_id) if run_id else None
        if run is not None and run.state == RunState.failed:
            run.state, run.error, run.finished_at = RunState.running, None, None


def _end(
    factory: sessionmaker[Session],
    upload_id: int,
    run_id: int | None,
    data_dir: Path,
    *,
    error: str | None,
) -> None:
    """The file is deleted either way: a failed import is started again by uploading it."""
    with session_scope(factory) as session:
        upload = session.get_one(ImportUpload, upload_id)
        upload.state = UploadState.failed if error else UploadState.done
        upload.error = error
        upload_path(data_dir, upload).unlink(missing_ok=True)
        run = session.get(ImportRun, run_id) if run_id else None
        if error and run is not None and run.state == RunState.running:
            fail_run(session, run=run, error=error)  # refused before its first batch
