"""The database engine: private SQLite files, write transactions that queue for the lock
instead of failing, and errors that never carry the values a statement was given."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.app import create_app
from vigil.core.config import Environment, Settings
from vigil.core.db import make_engine, make_sessionmaker, read_only_scope, session_scope
from vigil.core.migrations import upgrade

PLANTED = "Quetzali Planted-Secret 4242"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask (files 0644): privacy must not depend on the operator's."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path, open_umask):
    data_dir = tmp_path / "var"
    url = f"sqlite:///{data_dir / 'vigil.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            session.execute(text("INSERT INTO job_runs (name) VALUES ('mode-check')"))
            session.flush()
            files = {name: data_dir / name for name in ("vigil.db", "vigil.db-wal", "vigil.db-shm")}
            assert all(path.exists() for path in files.values()), "not in WAL mode"
            assert {name: oct(_mode(path)) for name, path in files.items()} == {
                name: "0o600" for name in files
            }
    finally:
        engine.dispose()
    assert _mode(data_dir) == 0o700


def test_world_readable_database_files_of_an_older_version_are_made_private(tmp_path):
    database = tmp_path / "vigil.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        path.touch()
        path.chmod(0o644)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:  # the files exist while a connection is open
            connection.execute(text("SELECT 1"))
            for suffix in ("", "-wal", "-shm"):
                assert _mode(database.with_name(database.name + suffix)) == 0o600
    finally:
        engine.dispose()


def test_an_existing_data_directory_keeps_its_mode(tmp_path):
    """Vigil makes the directories it creates private, and leaves an operator's alone."""
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    make_engine(f"sqlite:///{shared / 'vigil.db'}").dispose()
    assert _mode(shared) == 0o755
    assert _mode(shared / "vigil.db") == 0o600


def test_a_write_transaction_takes_the_lock_when_it_begins(tmp_path):
    """A transaction that read first and wrote later could not wait for the lock once another
    connection had committed ("database is locked" at once): so writers lock at BEGIN and
    queue, while a read-only transaction neither waits nor blocks."""
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    holder, impatient = make_engine(url), make_engine(url, busy_timeout_seconds=0.05)
    try:
        with session_scope(make_sessionmaker(holder)) as holding:
            holding.execute(text("SELECT count(*) FROM organisations")).scalar()  # only a read
            with (
                pytest.raises(OperationalError, match="database is locked"),
                session_scope(make_sessionmaker(impatient)) as writer,
            ):
                writer.execute(text("SELECT 1"))
            with read_only_scope(make_sessionmaker(impatient)) as reader:
                assert reader.execute(text("SELECT count(*) FROM job_runs")).scalar() == 0
    finally:
        holder.dispose()
        impatient.dispose()


def test_the_busy_timeout_is_a_setting(tmp_path):
    settings = Settings(
        env=Environment.test,
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'vigil.db'}",
        secret_key=secrets.token_urlsafe(48),
        master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        database_busy_timeout_seconds=12.5,
    )
    default = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with default.connect() as connection:
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    finally:
        default.dispose()
    with read_only_scope(create_app(settings).state.sessionmaker) as session:
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 12_500


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty database of each kind, for statements that must fail."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = pg_database_name("_scratch")
    url = create_pg_database(name)
    yield url
    drop_pg_database(name)


def test_a_failing_statement_never_shows_its_values(scratch_url, caplog):
    """Not in the error, its traceback or a log of it; PostgreSQL's DETAIL quotes the
    duplicate value, so it is left out too."""
    engine = make_engine(scratch_url)
    log = logging.getLogger("vigil.test")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE planted (name TEXT UNIQUE NOT NULL)"))
            connection.execute(text("INSERT INTO planted VALUES (:name)"), {"name": PLANTED})
        with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
            connection.execute(text("INSERT INTO planted VALUES (:name)"), {"name": PLANTED})
        with caplog.at_level(logging.ERROR, logger="vigil.test"):
            log.exception("storing failed", exc_info=caught.value)
    finally:
        engine.dispose()
    assert "INSERT INTO planted" in str(caught.value)  # the statement is still there to debug
    for shown in (str(caught.value), repr(caught.value.orig), caplog.text):
        assert PLANTED not in shown
        assert "Planted-Secret" not in shown
