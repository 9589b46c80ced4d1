"""Alembic environment: the URL comes from the caller (``vigil db``) or from VIGIL_* settings."""

from __future__ import annotations

from alembic import context

from vigil.core.config import load_settings
from vigil.core.db import make_engine
from vigil.models import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or load_settings().effective_database_url


def _extensions(dialect_name: str) -> list[str]:
    """PostgreSQL extensions the models declare (``metadata.info["postgresql_extensions"]``:
    pg_trgm for company-name matching), created before any migration can use them."""
    if dialect_name != "postgresql":
        return []
    names = sorted(metadata.info.get("postgresql_extensions", ()))
    return [f'CREATE EXTENSION IF NOT EXISTS "{name}"' for name in names]


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        for statement in _extensions(context.get_context().dialect.name):
            context.execute(statement)
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        for statement in _extensions(connection.dialect.name):
            connection.exec_driver_sql(statement)
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
