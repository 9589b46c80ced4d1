"""Uploading a file for the incident importer, keeping its mapping, and queueing it.

The same rules as ``vigil import incidents``: the mapping is parsed by the importer's own
``parse_mapping`` and the rows read by its ``open_rows``, so a file or a mapping the command
line refuses is refused here with the same message. The bytes are written under
``<data_dir>/uploads`` with a random name (a user's file name never becomes a path), sealed
with the upload's own data key, only readable by the service's user, never served back, and
deleted once imported or after ``RETENTION`` (``sweep_uploads``, run daily by the worker).
The readers need a file: :func:`plain_copy` opens it into a private file beside it for as
long as one dry run or one import slice reads it, and deletes that copy after.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.imports.incidents.mapping import FIELDS, Mapping, folded, parse_mapping
from vigil.imports.models import ImportRun, RunKind
from vigil.imports.reading import guess_format, open_rows
from vigil.imports.runs import find_resumable_run, start_run
from vigil.imports.uploads.models import ImportUpload, SavedMapping, UploadState

#: Largest file taken (the dry run reads it inside the request; the import runs in the worker).
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
#: A file not imported within this time is deleted (the upload stays, marked expired).
RETENTION = timedelta(days=7)
SYNTAXES = ("toml", "yaml")
_CHUNK = 1024 * 1024


def uploads_dir(data_dir: Path) -> Path:
    path = data_dir / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def upload_path(data_dir: Path, upload: ImportUpload) -> Path:
    return uploads_dir(data_dir) / upload.stored_name


def store_upload(
    session: Session,
    *,
    org_id: int,
    data_dir: Path,
    original_name: str,
    stream: BinaryIO,
    by_user_id: int | None,
    vault: Vault,
    max_bytes: int | None = None,
) -> ImportUpload:
    """Check the file can be read as rows, seal it under a new data key and record it with
    a mapping skeleton made from its columns. Any refusal deletes what was written."""
    limit = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    name = Path(original_name or "").name[:300]
    if not name:
        raise Invalid("Choose a file to upload.")
    fmt = guess_format(Path(name))
    suffix = Path(name).suffix.lower()
    content, digest = _read_limited(stream, limit)
    with private_copy(data_dir, suffix, content) as plain:
        try:
            columns = _check_rows(plain, fmt)
        except Invalid as refused:
            raise Invalid(str(refused).replace(plain.name, name)) from None
    key = vault.new_key()
    stored = f"{secrets.token_hex(16)}{suffix}"
    _write_private(uploads_dir(data_dir) / stored, vault.seal(key.id, content) or b"")
    upload = ImportUpload(
        organisation_id=org_id,
        stored_name=stored,
        original_name=name,
        data_key_id=key.id,
        size=len(content),
        file_sha256=digest,
        mapping_text=mapping_skeleton(name, columns),
        mapping_syntax="toml",
        created_by_id=by_user_id,
        created_at=utcnow(),
    )
    session.add(upload)
    session.flush()
    return upload


def _read_limited(stream: BinaryIO, limit: int) -> tuple[bytes, str]:
    digest, chunks, size = hashlib.sha256(), [], 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise Invalid(
                f"The file is larger than {limit / (1024 * 1024):.0f} MB: split it "
                "into smaller files, or import it with `vigil import incidents`."
            )
        digest.update(chunk)
        chunks.append(chunk)
    if size == 0:
        raise Invalid("The file is empty.")
    return b"".join(chunks), digest.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


@contextmanager
def private_copy(data_dir: Path, suffix: str, content: bytes) -> Iterator[Path]:
    """``content`` in a file only the service's user can read (the readers' suffix rules
    need the format's suffix), deleted when the block ends, however it ends."""
    path = uploads_dir(data_dir) / f"reading-{secrets.token_hex(16)}{suffix}"
    try:
        _write_private(path, content)
        yield path
    finally:
        path.unlink(missing_ok=True)


def open_upload(vault: Vault, data_dir: Path, upload: ImportUpload) -> bytes:
    """The upload's bytes, unsealed. ``Invalid`` when the file is gone (imported, expired)
    or its key was destroyed."""
    sealed = upload_path(data_dir, upload)
    try:
        content = vault.open_bytes(upload.data_key_id, sealed.read_bytes())
    except (FileNotFoundError, Withheld):
        content = None
    if content is None:
        raise Invalid("The uploaded file is no longer kept: upload it again.")
    return content


@contextmanager
def plain_copy(vault: Vault, data_dir: Path, upload: ImportUpload) -> Iterator[Path]:
    """The upload's file opened into a private copy for the length of the block."""
    content = open_upload(vault, data_dir, upload)
    with private_copy(data_dir, Path(upload.stored_name).suffix, content) as path:
        yield path


def _check_rows(path: Path, fmt: str) -> list[str]:
    """The file's columns; ``Invalid`` when it has none or no row under its header. A
    reader that fails in a way it did not foresee (a corrupt XLSX zip) is refused the same
    way: a bad file is the user's problem to hear about, never a server error."""
    try:
        with open_rows(path, fmt=fmt) as reader:
            first = next(iter(reader), None)
            columns = list(reader.columns)
    except Invalid:
        raise
    except Exception as error:
        raise Invalid(f"Cannot read the file as {fmt.upper()}: {error}.") from None
    if not columns:
        raise Invalid("The file has no columns: its first line must name them.")
    if first is None:
        raise Invalid("The file has a header but no rows under it.")
    return columns


def mapping_skeleton(file_name: str, columns: list[str]) -> str:
    """A TOML mapping to start from: every column of the file listed, those named like a
    field already mapped, the others left commented for the user to assign."""
    by_name = {folded(field).replace(" ", "_"): field for field in FIELDS}
    lines = [
        f"# Mapping for {file_name}: say which column feeds which field, then which of",
        "# the file's words mean which code ([values.<field>] tables).",
        "[source]",
        f"name = {_quote(file_name)}",
        "",
        "[columns]",
    ]
    for column in columns:
        field = by_name.get(folded(column).replace(" ", "_"))
        if field is not None:
            lines.append(f"{field} = {_quote(column)}")
        else:
            lines.append(f"# FIELD = {_quote(column)}")
    lines += ["", f"# Fields: {', '.join(FIELDS)}", ""]
    return "\n".join(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mapping_file_name(syntax: str) -> str:
    """What ``parse_mapping`` is told the text is: it picks the parser by the name."""
    return "mapping.yaml" if syntax == "yaml" else "mapping.toml"


def read_mapping(text: str, syntax: str) -> Mapping:
    if syntax not in SYNTAXES:
        raise Invalid("The mapping must be TOML or YAML.")
    if not text.strip():
        raise Invalid("The mapping is empty.")
    return parse_mapping(text, name=mapping_file_name(syntax))


def get_upload(session: Session, *, org_id: int, upload_id: int) -> ImportUpload:
    upload = session.get(ImportUpload, upload_id)
    if upload is None or upload.organisation_id != org_id:
        raise NotFound("No such upload.")
    return upload


def upload_for_run(session: Session, *, org_id: int, run_id: int) -> ImportUpload | None:
    return session.scalars(
        select(ImportUpload)
        .where(ImportUpload.organisation_id == org_id, ImportUpload.run_id == run_id)
        .order_by(ImportUpload.id.desc())
        .limit(1)
    ).first()


def keep_mapping(upload: ImportUpload, *, text: str, syntax: str) -> None:
    """Remember the mapping as typed, even a wrong one: the form comes back with it."""
    if upload.state != UploadState.uploaded:
        raise Conflict("This file was already sent to the import.")
    upload.mapping_text = text
    upload.mapping_syntax = syntax if syntax in SYNTAXES else "toml"


def queue_upload(
    session: Session, *, org_id: int, upload: ImportUpload, by_user_id: int | None
) -> ImportRun:
    """Check the mapping and hand the file to the worker. The run is opened now (the page
    the user is sent to shows its progress from the first moment); the importer resumes it
    by the file's SHA-256, as it resumes any stopped run of the same file."""
    if upload.organisation_id != org_id:
        raise NotFound("No such upload.")
    if upload.state != UploadState.uploaded:
        raise Conflict("This file was already sent to the import.")
    read_mapping(upload.mapping_text, upload.mapping_syntax)
    run = find_resumable_run(
        session, organisation_id=org_id, kind=RunKind.incidents, file_sha256=upload.file_sha256
    ) or start_run(
        session,
        organisation_id=org_id,
        kind=RunKind.incidents,
        source_name=upload.original_name,
        file_sha256=upload.file_sha256,
        mapping_text=upload.mapping_text,
        started_by_id=by_user_id,
    )
    upload.run_id = run.id
    upload.state = UploadState.queued
    session.flush()
    return run


def save_mapping(
    session: Session, *, org_id: int, name: str, text: str, syntax: str
) -> SavedMapping:
    """Keep a mapping under a name (replacing the organisation's mapping of that name).
    Only a mapping that parses is kept: a saved one must be usable as it is."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise Invalid("Give the mapping a name of 1 to 120 characters.")
    read_mapping(text, syntax)
    saved = session.scalars(
        select(SavedMapping).where(
            SavedMapping.organisation_id == org_id, SavedMapping.name == name
        )
    ).first()
    if saved is None:
        saved = SavedMapping(organisation_id=org_id, name=name, text=text)
        session.add(saved)
    saved.text, saved.syntax, saved.updated_at = text, syntax, utcnow()
    session.flush()
    return saved


def list_mappings(session: Session, *, org_id: int) -> list[SavedMapping]:
    return list(
        session.scalars(
            select(SavedMapping)
            .where(SavedMapping.organisation_id == org_id)
            .order_by(SavedMapping.name)
        )
    )


def get_saved_mapping(session: Session, *, org_id: int, mapping_id: int) -> SavedMapping:
    saved = session.get(SavedMapping, mapping_id)
    if saved is None or saved.organisation_id != org_id:
        raise NotFound("No such mapping.")
    return saved


def sweep_uploads(session: Session, *, data_dir: Path, now: datetime) -> int:
    """Delete the files of uploads never imported within ``RETENTION`` (marked expired),
    and stray files no upload names (a request that died between writing and recording)."""
    cutoff = now - RETENTION
    stale = session.scalars(
        select(ImportUpload).where(
            ImportUpload.state == UploadState.uploaded, ImportUpload.created_at < cutoff
        )
    ).all()
    for upload in stale:
        upload_path(data_dir, upload).unlink(missing_ok=True)
        upload.state = UploadState.expired
    known = set(
        session.scalars(
            select(ImportUpload.stored_name).where(
                ImportUpload.state.in_(
                    [UploadState.uploaded, UploadState.queued, UploadState.importing]
                )
            )
        )
    )
    for path in uploads_dir(data_dir).iterdir():
        old = datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo) < cutoff
        if path.name not in known and old:
            path.unlink(missing_ok=True)
    session.flush()
    return len(stale)
