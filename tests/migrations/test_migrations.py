"""Migrations build the whole schema, tear it down and build it again, on both databases, and
they match the models exactly."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import pg_database_name
from vigil.core.db import make_engine
from vigil.core.migrations import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from vigil.models import metadata

PG_ADMIN = os.environ.get("VIGIL_TEST_PG_ADMIN", "host=127.0.0.1 user=postgres dbname=postgres")
PG_HOST = os.environ.get("VIGIL_TEST_PG_HOST", "postgres@127.0.0.1:5432")
PG_DATABASE = pg_database_name("_migrations")


def _recreate_pg(create: bool) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path) -> Iterator[str]:
    """An empty database, made for this test only."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    _recreate_pg(create=True)
    try:
        yield f"postgresql+psycopg://{PG_HOST}/{PG_DATABASE}"
    finally:
        _recreate_pg(create=False)


def tables_and_revision(url: str) -> tuple[set[str], str | None]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()), current_revision(engine)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(fresh_url):
    upgrade(fresh_url)
    tables, revision = tables_and_revision(fresh_url)
    assert revision == head_revision(fresh_url)
    assert set(metadata.tables) <= tables
    assert {"incidents", "users", "throttles", "company_relationships"} <= tables

    downgrade(fresh_url, "base")
    tables, revision = tables_and_revision(fresh_url)
    assert tables == {"alembic_version"}
    assert revision is None

    upgrade(fresh_url)
    tables, revision = tables_and_revision(fresh_url)
    assert revision == head_revision(fresh_url)
    assert set(metadata.tables) <= tables


def test_models_and_migrations_are_in_sync(fresh_url):
    upgrade(fresh_url)
    command.check(alembic_config(fresh_url))  # raises if autogenerate would find a difference


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'wal.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO memberships (user_id, organisation_id, role, "
                    "created_at) VALUES (4242, 4242, 'analyst', CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()
