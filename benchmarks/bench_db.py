"""A PostgreSQL database of the benchmark's own, named for its purpose and this process.

Benchmarks used to force-drop databases with fixed names (``vigil_bench``), which killed
anyone else's run using the same name on a shared server. Each database here is named
``vigil_bench_<purpose>_<pid>``, created empty on entry and dropped on exit; nothing else is
ever dropped (``WITH (FORCE)`` only ends this process's own connections to it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def database_name(purpose: str) -> str:
    return f"vigil_bench_{purpose}_{os.getpid()}"


@contextmanager
def own_postgres_database(purpose: str) -> Iterator[str]:
    """Create ``vigil_bench_<purpose>_<pid>``, yield its URL, drop it afterwards."""
    from sqlalchemy import create_engine, text

    name = database_name(purpose)
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
