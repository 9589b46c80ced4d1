"""Fixtures of the accounts tests."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.core.config import Environment, Settings
from vigil.core.db import make_engine
from vigil.core.migrations import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path) -> Iterator[tuple[Settings, Engine]]:  # type: ignore[no-untyped-def]
    """A database of our own whose data is committed, so concurrent requests, the command
    line and the app, each on its own connection, really see the same rows."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accounts.db'}"
    else:
        name = pg_database_name("_accounts")
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    try:
        yield (
            Settings(
                env=Environment.test,
                data_dir=tmp_path / "var",
                database_url=url,
                secret_key=secrets.token_urlsafe(48),
                master_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                base_url="https://vigil.test",
            ),
            engine,
        )
    finally:
        engine.dispose()
        if name:
            drop_pg_database(name)
