"""`vigil incidents link-sources` in process, against a fresh database of each kind (the
command commits, so it never touches the shared test database)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from tests.imports.linking.builders import told
from vigil import cli
from vigil.core.crypto import Vault, load_keyring
from vigil.core.db import make_engine, session_scope
from vigil.core.errors import Invalid
from vigil.core.migrations import upgrade
from vigil.defenders.name_tokens import DefenderNameToken
from vigil.organisations.service import ensure_organisation
from vigil.vocabularies.service import seed_vocabularies

MASTER = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'vigil.db'}"
    else:
        name = pg_database_name("_linking")
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
        org = ensure_organisation(session, slug="red-andina", name="Red Andina")
        vault = Vault(session=session, ring=load_keyring(Path("."), MASTER))
        told(session, vault, org, name="Marcelino Chán Tún", day=date(2025, 5, 1))
        told(
            session,
            vault,
            org,
            name="Marcelino Chan Tun",
            day=date(2025, 5, 3),
            url="https://ngo-b.example/",
        )
        # a record from before the word index: the command indexes it first
        session.execute(DefenderNameToken.__table__.delete())
    engine.dispose()
    yield url
    if name:
        drop_pg_database(name)


def test_link_sources_proposes_once_and_refuses_bad_options(database, tmp_path):
    runner = CliRunner()
    env = {
        "VIGIL_DATABASE_URL": database,
        "VIGIL_DATA_DIR": str(tmp_path / "var"),
        "VIGIL_MASTER_KEY": MASTER,
    }

    def run(*args: str):
        return runner.invoke(cli.app, ["incidents", "link-sources", *args], env=env)

    first = run("--org", "red-andina")
    assert first.exit_code == 0, first.output
    assert "red-andina: 1 new proposal(s), 0 already known" in first.output
    assert "2 name(s) indexed" in first.output
    again = run()
    assert "red-andina: 0 new proposal(s), 1 already known" in again.output
    bad = run("--window-days", "-1")
    assert isinstance(bad.exception, Invalid)
    assert "--window-days must be between 0 and 366" in str(bad.exception)
    assert isinstance(run("--min-score", "0").exception, Invalid)
    engine = make_engine(database)
    with session_scope(sessionmaker(engine)) as session:
        assert session.scalar(select(DefenderNameToken.id).limit(1)) is not None
    engine.dispose()
