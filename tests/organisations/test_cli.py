"""`vigil orgs set-contact-email` in process, against a fresh database of each kind (the
command commits, so it never touches the shared test database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil import cli
from vigil.core.audit import AuditEvent
from vigil.core.db import make_engine, session_scope
from vigil.core.errors import Invalid, NotFound
from vigil.core.migrations import upgrade
from vigil.organisations.models import Organisation
from vigil.organisations.service import ensure_organisation


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('orgs') / 'vigil.db'}"
    else:
        name = pg_database_name("_orgs")
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        ensure_organisation(session, slug="red-andina", name="Red Andina")
    engine.dispose()
    yield url
    if name:
        drop_pg_database(name)


def _stored(url: str) -> tuple[str | None, list[str]]:
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        org = session.scalars(select(Organisation).where(Organisation.slug == "red-andina")).one()
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.action == "organisation.contact_email_set"
                )
            )
        )
        result = (org.contact_email, actions)
    engine.dispose()
    return result


def test_set_contact_email_stores_audits_and_refuses_mistakes(database, tmp_path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"VIGIL_DATABASE_URL": database, "VIGIL_DATA_DIR": str(tmp_path / "var")}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli.app, list(args), env=env, catch_exceptions=True)

    assert run("keys", "init").exit_code == 0
    done = run("orgs", "set-contact-email", "red-andina", "team@red.example")
    assert done.exit_code == 0 and "team@red.example" in done.output
    assert _stored(database) == ("team@red.example", ["organisation.contact_email_set"])

    # User mistakes raise the project's errors, which `vigil` (cli.main) prints as one line.
    bad = run("orgs", "set-contact-email", "red-andina", "not an address")
    assert isinstance(bad.exception, Invalid) and "not a plain e-mail" in str(bad.exception)
    missing = run("orgs", "set-contact-email", "no-such-org", "team@red.example")
    assert isinstance(missing.exception, NotFound)
    assert _stored(database)[0] == "team@red.example"  # nothing changed by the mistakes

    removed = run("orgs", "set-contact-email", "red-andina", "")
    assert removed.exit_code == 0 and "removed" in removed.output
    assert _stored(database) == (None, ["organisation.contact_email_set"] * 2)
