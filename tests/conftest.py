"""Shared fixtures: every database test runs on SQLite *and* PostgreSQL, inside a transaction
that is rolled back at the end (SQLAlchemy's "join an external transaction" recipe)."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vigil.app import create_app
from vigil.core import security
from vigil.core.audit import AuditSeal, configure_audit
from vigil.core.config import Environment, Settings
from vigil.core.crypto import AuditKeys, Vault, keystore_for
from vigil.core.db import make_engine, session_scope
from vigil.core.migrations import upgrade
from vigil.demo.loader import load_demo
from vigil.vocabularies.service import seed_vocabularies

PG_ADMIN = os.environ.get("VIGIL_TEST_PG_ADMIN", "host=127.0.0.1 user=postgres dbname=postgres")
PG_HOST = os.environ.get("VIGIL_TEST_PG_HOST", "postgres@127.0.0.1:5432")


def pg_database_name(suffix: str = "") -> str:
    """Our own database, unique per test process, so two runs on one machine never drop
    each other's database (and no other database is ever touched)."""
    return f"vigil_test_{os.getpid()}{suffix}"


def create_pg_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_HOST}/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: Entries recorded outside an app (services called with the ``session`` fixture, fixtures
#: that fill a database) are signed with this key, one per test process, and not anchored to a
#: head file. Set at import, so session-scoped fixtures have it too.
TEST_AUDIT_KEYS = AuditKeys(keys={"test": secrets.token_bytes(32)}, active_id="test")
TEST_AUDIT_SEAL = AuditSeal(keys=lambda: TEST_AUDIT_KEYS)
configure_audit(TEST_AUDIT_SEAL)

#: Production password hashing costs ~0.25 s a hash, and most tests create and sign in staff:
#: the suite uses a cheap argon2id instead (hashes verify under either hasher, since argon2
#: stores its parameters in the hash). tests/core/test_passwords.py checks the real profile.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def audit_keys() -> Iterator[AuditKeys]:
    """Whatever a test configures for the process (an in-process `vigil` command) is undone
    after it."""
    yield TEST_AUDIT_KEYS
    configure_audit(TEST_AUDIT_SEAL)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, vocabulary-seeded database of each kind, made for this test run only."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'vigil.db'}"
        name = None
    else:
        name = pg_database_name()
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
    engine.dispose()
    yield url
    if name:
        drop_pg_database(name)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


#: The demo database's keys are sealed under this master key (see :func:`demo_database`).
DEMO_MASTER_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def wants_demo(request: pytest.FixtureRequest) -> bool:
    """A test runs on the demo database when it (or a fixture it uses) asks for ``demo_data``."""
    return "demo_data" in request.fixturenames


@pytest.fixture(scope="session")
def demo_database(
    db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The fictional demo data, loaded once per database kind into a database of its own
    (about 4 s a load; some 70 tests need it). Tests using it still run inside a rolled-back
    transaction; the data directory (key files, demo credentials) is copied for each test."""
    data_dir = tmp_path_factory.mktemp("demo") / "var"
    name = None
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('demo-sqlite') / 'demo.db'}"
    else:
        name = pg_database_name("_demo")
        url = create_pg_database(name)
    upgrade(url)
    settings = make_settings(data_dir, url, master_key=DEMO_MASTER_KEY)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
        load_demo(
            session,
            settings=settings,
            vault=Vault(session=session, ring=keystore_for(settings).current()),
        )
    engine.dispose()
    yield url, data_dir
    if name:
        drop_pg_database(name)


@pytest.fixture(scope="session")
def demo_engine(demo_database: tuple[str, Path]) -> Iterator[Engine]:
    engine = make_engine(demo_database[0])
    yield engine
    engine.dispose()


@pytest.fixture
def demo_data() -> None:
    """Ask for this fixture (in a test or in a fixture of the test) to run on the demo data:
    the organisations, companies, incidents and staff of ``vigil demo load``."""


@pytest.fixture
def connection(request: pytest.FixtureRequest, db_url: str) -> Iterator:  # type: ignore[type-arg]
    engine: Engine = request.getfixturevalue("demo_engine" if wants_demo(request) else "engine")
    connection = engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


@pytest.fixture
def session_factory(connection) -> sessionmaker[Session]:  # type: ignore[no-untyped-def]
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session], settings: Settings) -> Iterator[Session]:
    with session_factory() as session:
        # The app's key ring, so factories can seal what the app will open (TOTP seeds).
        session.info["keyring"] = keystore_for(settings).current()
        yield session


def make_settings(data_dir: Path, database_url: str, *, master_key: str | None = None) -> Settings:
    return Settings(
        env=Environment.test,
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        master_key=master_key or base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        base_url="https://vigil.test",
    )


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> Settings:
    if not wants_demo(request):
        return make_settings(tmp_path / "var", db_url)
    url, demo_dir = request.getfixturevalue("demo_database")
    shutil.copytree(demo_dir, tmp_path / "var")
    return make_settings(tmp_path / "var", url, master_key=DEMO_MASTER_KEY)


@pytest.fixture
def vault(session: Session, settings: Settings) -> Vault:
    return Vault(session=session, ring=keystore_for(settings).current())


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    return create_app(settings, session_factory=session_factory)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    # https: the session cookies are Secure, as in production.
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client
