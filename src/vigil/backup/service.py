"""Online backups and restores of the whole database (attachments are sealed inside it).

- SQLite: the sqlite3 online backup API copies a consistent snapshot page by page while the
  server keeps reading and writing (WAL), into a temporary file next to the database, which is
  then encrypted.
- PostgreSQL: ``pg_dump --format=custom`` streams straight into the encryptor. It dumps a
  snapshot exported by a ``REPEATABLE READ`` transaction that also reads the schema revision, so
  the revision in the header is exactly the one of the dumped data.
- Restores decrypt and verify the *whole* archive into a private temporary file first; only a
  verified payload touches the target, which must be empty. PostgreSQL restores run in one
  transaction (``pg_restore --single-transaction``), so a failure leaves the database empty.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from vigil.backup.archive import (
    CHUNK_BYTES,
    ArchiveFile,
    check_destination,
    decrypt_archive,
    read_info,
    write_archive,
)
from vigil.core.audit import audit_seal, bind_audit, record_event
from vigil.core.audit_head import write_head
from vigil.core.audit_verify import tail_head
from vigil.core.config import ConfigError, Settings
from vigil.core.crypto import KeyRing, keystore_for
from vigil.core.db import database_session, make_engine
from vigil.core.errors import Invalid
from vigil.core.migrations import alembic_config, head_revision

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore did; ``audited`` is False when the schema was not at the
    latest revision, so no audit event could be written with this version's model."""

    archive: ArchiveFile
    audited: bool
    head: str | None

    @property
    def outdated(self) -> bool:
        return self.archive.info.revision != self.head


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in KIND_NAMES:
        raise Invalid(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


# --- backup ---------------------------------------------------------------------------------


def backup_database(settings: Settings, path: Path) -> Outcome:
    """Write an encrypted archive of the configured database to ``path`` without stopping the
    server, and record ``backup.created`` in the audit log."""
    url = settings.effective_database_url
    kind = database_kind(url)
    ring = keystore_for(settings).current()
    path = Path(path)
    check_destination(path)
    if kind == "sqlite":
        with _sqlite_snapshot(_sqlite_path(url)) as (snapshot, revision):
            archive = write_archive(
                path, ring, database=kind, revision=revision, payload=_read_file(snapshot)
            )
    else:
        archive = _pg_backup(url, path, ring)
    head = head_revision(url)
    audited = archive.info.revision == head
    if audited:
        with database_session(url) as session:
            bind_audit(session, audit_seal(settings))
            record_event(
                session,
                action="backup.created",
                object_type="backup",
                object_id=archive.sha256,
                detail=_detail(archive, path),
            )
    return Outcome(archive=archive, audited=audited, head=head)


def _detail(archive: ArchiveFile, path: Path) -> dict[str, object]:
    return {
        "database": archive.info.database,
        "revision": archive.info.revision,
        "kek_id": archive.info.kek_id,
        "created_at": archive.info.created_at,
        "file": path.name,
        "bytes": archive.size,
    }


def _read_file(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while piece := handle.read(CHUNK_BYTES):
            yield piece


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise Invalid("Only a SQLite database in a file can be backed up or restored.")
    return Path(database)


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextlib.contextmanager
def _sqlite_snapshot(source: Path) -> Iterator[tuple[Path, str]]:
    """A consistent copy of ``source`` in a private temporary file beside it, and its schema
    revision. The copy is one step of the online backup API: it holds a read snapshot (which,
    in WAL mode, blocks no writer) for the duration of the copy."""
    if not source.is_file() or source.stat().st_size == 0:
        raise Invalid(f"There is no database at {source}: nothing to back up.")
    fd, name = tempfile.mkstemp(dir=source.parent, prefix=".vigil-backup-", suffix=".db")
    os.close(fd)  # mkstemp made it 0600; sqlite3 reuses the empty file
    snapshot = Path(name)
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(snapshot)
            try:
                src.backup(dst)  # pages=-1: everything in one step, from one read snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                revision = _sqlite_revision(dst)
            finally:
                dst.close()
        finally:
            src.close()
        if revision is None:
            raise Invalid("The database has no schema yet (run `vigil db upgrade`): no backup.")
        yield snapshot, revision
    finally:
        _remove_sqlite_files(snapshot)


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` (host, port, user, dbname and query options such
    as sslmode) and the environment for a PostgreSQL client program. A password goes into
    ``PGPASSWORD`` only, never onto the command line (where ``ps`` would show it)."""
    from psycopg.conninfo import make_conninfo

    parsed: URL = make_url(url)
    args = parsed.translate_connect_args(username="user", database="dbname")
    password = args.pop("password", None)
    options = {key: str(value) for key, value in args.items() if value not in (None, "")}
    for key, value in parsed.query.items():
        options[key] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    env.setdefault("PGAPPNAME", "vigil-backup")
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**options), env


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise ConfigError(
            f"{program} was not found on PATH: install the PostgreSQL client programs of the "
            "server's major version (Debian: postgresql-client)."
        )
    return found


def _first_line(stream: IO[bytes]) -> str:
    stream.seek(0)
    for raw in stream.read(64 * 1024).decode(errors="replace").splitlines():
        line = raw.strip()
        if line:
            return line
    return "no message"


def _pg_backup(url: str, path: Path, ring: KeyRing) -> ArchiveFile:
    pg_dump = _client("pg_dump")
    conninfo, env = _libpq(url)
    engine = make_engine(url)
    try:
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            revision = None
            if conn.scalar(text("SELECT to_regclass('alembic_version')")) is not None:
                revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            if not revision:
                raise Invalid("The database has no schema yet (run `vigil db upgrade`): no backup.")
            command = [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--dbname={conninfo}",
            ]
            with (
                tempfile.TemporaryFile() as errors,
                # closing: stop pg_dump at once if writing the archive fails
                contextlib.closing(_pg_dump_output(command, env, errors)) as payload,
            ):
                return write_archive(
                    path, ring, database="postgresql", revision=revision, payload=payload
                )
    finally:
        engine.dispose()


def _pg_dump_output(command: list[str], env: dict[str, str], errors: IO[bytes]) -> Iterator[bytes]:
    """pg_dump's output in pieces; raises (so the archive is discarded) if pg_dump fails."""
    process = subprocess.Popen(  # noqa: S603 - fixed program, no shell
        command, stdout=subprocess.PIPE, stderr=errors, env=env
    )
    assert process.stdout is not None
    try:
        first = True
        while piece := process.stdout.read(CHUNK_BYTES):
            if first and not piece.startswith(PGDUMP_MAGIC):
                raise Invalid("pg_dump did not produce a custom-format dump.")
            first = False
            yield piece
        if process.wait() != 0:
            raise Invalid(f"pg_dump failed, no backup was written: {_first_line(errors)}")
        if first:
            raise Invalid("pg_dump produced nothing, no backup was written.")
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.wait()


# --- restore --------------------------------------------------------------------------------


def restore_database(settings: Settings, path: Path) -> Outcome:
    """Restore an archive into the configured database, which must be empty (a new data
    directory, or a new PostgreSQL database), and record ``backup.restored`` there."""
    url = settings.effective_database_url
    kind = database_kind(url)
    path = Path(path)
    claimed = read_info(path)  # refuse obvious mistakes before decrypting anything
    if claimed.database != kind:
        raise Invalid(
            f"{path.name} holds a {KIND_NAMES[claimed.database]} database but "
            f"VIGIL_DATABASE_URL points to {KIND_NAMES[kind]}: restore it into the same kind."
        )
    if claimed.revision not in _known_revisions(url):
        raise Invalid(
            f"{path.name} is at schema revision {claimed.revision!r}, unknown to this Vigil: "
            f"restore it with Vigil {claimed.vigil_version} or newer."
        )
    ring = keystore_for(settings).current()
    if kind == "sqlite":
        target = _sqlite_path(url)
        _require_empty_sqlite(target)
        archive = _sqlite_restore(path, ring, target)
    else:
        _require_empty_pg(url)
        archive = _pg_restore(path, ring, url, settings.data_dir)
    if archive.info != claimed:  # cannot happen: the header is authenticated
        raise Invalid(f"{path.name} changed while it was being restored.")
    head = head_revision(url)
    audited = archive.info.revision == head
    if audited:
        _record_restore(settings, archive, path)
    return Outcome(archive=archive, audited=audited, head=head)


def _record_restore(settings: Settings, archive: ArchiveFile, path: Path) -> None:
    """Record ``backup.restored``, then anchor the audit head file to the restored log: the
    entries made after the backup are gone on purpose, and the head file of the data
    directory (if it had one) would otherwise report them as deleted."""
    seal = audit_seal(settings)
    with database_session(settings.effective_database_url) as session:
        bind_audit(session, seal)
        record_event(
            session,
            action="backup.restored",
            object_type="backup",
            object_id=archive.sha256,
            detail=_detail(archive, path),
        )
        restored = tail_head(session)
    if seal.head_path is not None and restored is not None:
        write_head(seal.head_path, restored, force=True)


def _known_revisions(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    return {revision.revision for revision in script.walk_revisions()}


def _require_empty_sqlite(target: Path) -> None:
    for candidate in (target, Path(f"{target}-wal")):
        if candidate.exists() and candidate.stat().st_size > 0:
            raise Invalid(
                f"The database {target} already exists and is not empty: restore into an "
                "empty data directory (or move the old database away first)."
            )


def _require_empty_pg(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
                )
            )
    finally:
        engine.dispose()
    if count:
        name = make_url(url).database
        raise Invalid(
            f"The database {name} is not empty: restore into a newly created, empty database."
        )


def _sqlite_restore(path: Path, ring: KeyRing, target: Path) -> ArchiveFile:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".vigil-restore-", suffix=".db")
    staged = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            archive = decrypt_archive(path, ring, out)
            os.fsync(out.fileno())
        _check_sqlite_payload(staged, archive.info.revision, path.name)
        _require_empty_sqlite(target)  # again: nothing may have appeared meanwhile
        Path(f"{target}-wal").unlink(missing_ok=True)  # empty leftovers only (checked above)
        Path(f"{target}-shm").unlink(missing_ok=True)
        os.replace(staged, target)
    finally:
        _remove_sqlite_files(staged)
    return archive


def _check_sqlite_payload(staged: Path, revision: str, name: str) -> None:
    with open(staged, "rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise Invalid(f"{name} does not contain a SQLite database.")
    connection = sqlite3.connect(staged)
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()
        found = _sqlite_revision(connection)
    except sqlite3.DatabaseError as error:
        raise Invalid(f"{name} contains a damaged SQLite database ({error}).") from None
    finally:
        connection.close()
    if not check or check[0] != "ok" or found != revision:
        raise Invalid(f"{name} contains a damaged SQLite database.")


def _pg_restore(path: Path, ring: KeyRing, url: str, data_dir: Path) -> ArchiveFile:
    pg_restore = _client("pg_restore")
    conninfo, env = _libpq(url)
    data_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=data_dir, prefix=".vigil-restore-", suffix=".dump") as out,
        tempfile.TemporaryFile() as errors,
    ):
        archive = decrypt_archive(path, ring, out)
        out.seek(0)
        if out.read(len(PGDUMP_MAGIC)) != PGDUMP_MAGIC:
            raise Invalid(f"{path.name} does not contain a PostgreSQL dump.")
        result = subprocess.run(  # noqa: S603 - fixed program, no shell
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={conninfo}",
                out.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            raise Invalid(f"pg_restore failed, nothing was restored: {_first_line(errors)}")
    return archive
