"""Database engine, declarative base and transaction scopes.

The caller owns the transaction: web routes get a session inside ``session.begin()`` from
``web.deps.get_session`` (built on :func:`session_scope`; this module knows nothing of HTTP);
the CLI and worker use :func:`session_scope`. Services only add and flush.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger("vigil.db")

# Stable constraint names, so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Vigil stores UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


def utcnow() -> datetime:
    return datetime.now(UTC)


#: Session/connection execution option: this transaction only reads, so on SQLite it starts
#: with a plain (deferred) ``BEGIN`` and never waits for, nor holds, the write lock.
READ_ONLY = "vigil_read_only"
#: How long a SQLite connection waits for the write lock before "database is locked"; well
#: above the longest write transaction (``VIGIL_DATABASE_BUSY_TIMEOUT_SECONDS``).
DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _private_sqlite_files(database: Path) -> None:
    """The database, its WAL and shared-memory files readable by Vigil's user only (0600):
    names and narratives are sealed, but metadata (countries, dates, who is on staff) is not.
    SQLite creates ``-wal``/``-shm`` with the database file's mode; this also tightens files an
    older version left world-readable."""
    for suffix in _SQLITE_SUFFIXES:
        path = database.with_name(database.name + suffix)
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # another user's file: say so, but keep serving
            log.warning("cannot make %s private (mode 0600): not its owner", path.name)


def _create_sqlite_file(database: Path) -> None:
    """Create the data directory (0700) and an empty database file (0600) before SQLite does,
    whatever the process umask, so the file is never world-readable, not even for a moment."""
    if not database.parent.exists():
        database.parent.mkdir(mode=0o700, parents=True)
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _private_sqlite_files(database)


def _configure_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    """WAL + foreign keys + the pysqlite SAVEPOINT recipe (SQLAlchemy docs, "Serializable
    isolation / Savepoints"): let SQLAlchemy emit BEGIN itself so nested transactions work.

    Transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that read first and
    writes later cannot wait for the write lock once another connection has committed (WAL
    answers "database is locked" at once, the busy timeout does not help), which lost
    reports. Taking the lock up front makes every writer queue for up to the busy timeout.
    Sessions marked :data:`READ_ONLY` start a plain ``BEGIN`` and never block writers."""
    database = engine.url.database
    file_database = bool(database) and database != ":memory:"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        if file_database:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if file_database:
            _private_sqlite_files(Path(database))

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _terse_errors(engine: Engine) -> None:
    """PostgreSQL's error DETAIL quotes values (``Key (email)=(ana@example.org) already
    exists``), which ``hide_parameters`` does not cover: keep only the primary message."""

    @event.listens_for(engine, "handle_error")
    def _drop_detail(context):  # type: ignore[no-untyped-def]
        original = context.original_exception
        diag = getattr(original, "diag", None)
        primary = getattr(diag, "message_primary", None)
        if not primary:
            return
        full, original.args = str(original), (primary,)
        wrapped = context.sqlalchemy_exception
        if wrapped is not None and wrapped.args and isinstance(wrapped.args[0], str):
            wrapped.args = (wrapped.args[0].replace(full, primary), *wrapped.args[1:])


def make_engine(
    url: str,
    *,
    busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
    **kwargs: object,
) -> Engine:
    """``hide_parameters``: a failing statement's error (and so any log of it) never carries
    the values it was given, which may be a defender's name or a sealed value."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_sqlite_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
            **kwargs,  # type: ignore[arg-type]
        )
        _configure_sqlite(engine, busy_timeout_seconds)
        return engine
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)  # type: ignore[arg-type]
    _terse_errors(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a CLI command or a worker job: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def read_only_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads: on SQLite it takes no write lock, so it is answered even
    while a long write holds the database. It is rolled back, never committed."""
    with factory(execution_options={READ_ONLY: True}) as session:
        yield session  # closing the session rolls its transaction back


@contextmanager
def database_session(url: str) -> Iterator[Session]:
    """A one-off engine and transaction for a CLI command; the engine is disposed after."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()
