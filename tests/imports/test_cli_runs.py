"""Every importer on the command line records a run with honest counts (a re-run creates
nothing and says it skipped), and ``vigil import runs | run | rollback`` list, show and take
back runs, with one clear line for each mistake. In process, against a fresh database of
each kind (the commands commit, so they never touch the shared test database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil import cli
from vigil.core.db import make_engine, session_scope
from vigil.core.migrations import upgrade
from vigil.organisations.service import ensure_organisation
from vigil.playbooks.service import default_playbook_files
from vigil.vocabularies.service import seed_vocabularies

DEATH_THREAT = next(p for p in default_playbook_files() if p.stem == "death_threat")
COMPANIES = "Name,Country\nMinera Uno,CO\nMinera Dos,Atlantis\nMinera Tres,PE\n"
FTM = [
    {"id": "co-a", "schema": "Company", "properties": {"name": ["Alfa Mining"]}},
    {"id": "co-b", "schema": "Company", "properties": {"name": ["Beta Holding"]}},
    {"id": "own-1", "schema": "Ownership", "properties": {"owner": ["co-b"], "asset": ["co-a"]}},
    {"id": "p-1", "schema": "Person", "properties": {"name": ["Somebody"]}},
]
CONTACTS = "name,role,email\nAna,security_lead,ana@x.org\nBea,security_lead,bea@x.org\n"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('runs') / 'vigil.db'}"
    else:
        name = pg_database_name("_importruns")
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
        ensure_organisation(session, slug="red-andina", name="Red Andina")
        ensure_organisation(session, slug="otra", name="Otra")
    engine.dispose()
    yield url
    if name:
        drop_pg_database(name)


@pytest.fixture(scope="module")
def vigil(database, tmp_path_factory):
    runner = CliRunner()
    env = {"VIGIL_DATABASE_URL": database, "VIGIL_DATA_DIR": str(tmp_path_factory.mktemp("var"))}

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli.app, list(args), env=env, catch_exceptions=True, input=input)

    assert run("keys", "init").exit_code == 0
    run.url = database  # type: ignore[attr-defined]
    return run


def scalar(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(sql))
    finally:
        engine.dispose()


def last_run(url: str) -> tuple:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    text(
                        "SELECT id, kind, state, rows_read, rows_created, rows_skipped,"
                        " rows_invalid, organisation_id FROM import_runs ORDER BY id DESC"
                    )
                ).first()
            )
    finally:
        engine.dispose()


def test_registry_imports_record_runs_and_rerunning_keeps_counts_honest(vigil, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_text(COMPANIES)
    first = vigil("import", "companies", str(path), "--map", "name=Name,jurisdiction=Country")
    assert first.exit_code == 0, first.output
    run_id, kind, state, read, created, skipped, invalid, org = last_run(vigil.url)
    assert (kind, state, read, created, skipped, invalid, org) == (
        "companies", "finished", 3, 2, 0, 1, None,
    )  # fmt: skip
    assert f"Recorded as import run #{run_id}." in first.stderr
    again = vigil("import", "companies", str(path), "--map", "name=Name,jurisdiction=Country")
    assert again.exit_code == 0
    assert last_run(vigil.url)[2:7] == ("finished", 3, 0, 2, 1)

    shown = vigil("import", "run", str(run_id))
    assert shown.exit_code == 0
    assert "Rows: 3 read, 2 created, 0 skipped, 1 invalid" in shown.stdout
    assert "  line 3: invalid: 'Atlantis' is not a country" in shown.stdout
    assert "Mapping: name=Name,jurisdiction=Country" in shown.stdout

    ftm = tmp_path / "entities.ijson"
    ftm.write_text("".join(json.dumps(e) + "\n" for e in FTM))
    result = vigil("import", "ftm", str(ftm))
    assert result.exit_code == 0, result.output
    assert last_run(vigil.url)[1:7] == ("ftm", "finished", 4, 3, 1, 0)
    assert vigil("import", "ftm", str(ftm)).exit_code == 0
    assert last_run(vigil.url)[1:7] == ("ftm", "finished", 4, 0, 4, 0)

    ftm_run = last_run(vigil.url)[0] - 1
    companies = scalar(vigil.url, "SELECT count(*) FROM companies")
    rolled = vigil("import", "rollback", str(ftm_run), "--yes")
    assert rolled.exit_code == 0, rolled.output
    assert rolled.stdout.strip() == (
        f"Import run #{ftm_run} rolled back: deleted 1 relationship, 2 company."
    )
    assert scalar(vigil.url, "SELECT count(*) FROM companies") == companies - 2
    assert scalar(vigil.url, "SELECT count(*) FROM company_relationships") == 0


def test_a_strict_refusal_is_recorded_as_a_failed_run_with_its_lines(vigil, tmp_path):
    path = tmp_path / "strict.csv"
    path.write_text(COMPANIES)
    result = vigil(
        "import", "companies", str(path), "--map", "name=Name,jurisdiction=Country", "--strict"
    )
    assert result.exit_code != 0
    run_id, kind, state, *_, invalid, _org = last_run(vigil.url)
    assert (kind, state, invalid) == ("companies", "failed", 1)
    shown = vigil("import", "run", str(run_id)).stdout
    assert "State: failed (1 bad row; nothing imported (--strict).)" in shown
    assert "  line 3: invalid: 'Atlantis' is not a country" in shown


def test_contacts_and_playbooks_record_runs_of_their_organisation(vigil, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS)
    result = vigil("contacts", "import", str(path), "--org", "red-andina")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 created, 0 updated, 0 unchanged."
    contacts_run, kind, state, read, created, skipped, invalid, org = last_run(vigil.url)
    assert (kind, state, read, created, skipped, invalid) == ("contacts", "finished", 2, 2, 0, 0)
    assert org is not None
    assert vigil("import", "contacts", str(path), "--org", "red-andina").exit_code == 0
    assert last_run(vigil.url)[3:7] == (2, 0, 2, 0)

    result = vigil("playbooks", "import", str(DEATH_THREAT), "--org", "red-andina")
    assert result.stdout.strip() == "death_threat: version 1 imported and now current."
    assert last_run(vigil.url)[1:7] == ("playbooks", "finished", 1, 1, 0, 0)
    vigil("playbooks", "import", str(DEATH_THREAT), "--org", "red-andina")
    assert last_run(vigil.url)[1:7] == ("playbooks", "finished", 1, 0, 1, 0)

    listing = vigil("import", "runs", "--org", "red-andina").stdout.splitlines()
    assert listing[0] == "id\tkind\tsource\tstate\tcreated/skipped/invalid\tstarted"
    assert [line.split("\t")[1] for line in listing[1:]] == [
        "playbooks", "playbooks", "contacts", "contacts",
    ]  # fmt: skip
    assert listing[-1].startswith(f"{contacts_run}\tcontacts\tcontacts.csv\tfinished\t2/0/0\t")
    everything = vigil("import", "runs").stdout
    assert f"\n{contacts_run}\tcontacts\t" in everything  # the administrator sees every run
    assert vigil("import", "runs", "--org", "otra").stdout.strip() == "No import runs."

    # Tenancy: acting as another organisation, the run is out of reach.
    for command in (("run",), ("rollback", "--yes")):
        refused = vigil("import", command[0], str(contacts_run), *command[1:], "--org", "otra")
        assert refused.exit_code != 0
        assert (
            str(refused.exception) == f"Import run #{contacts_run} belongs to another organisation."
        )

    kept = vigil("import", "rollback", str(contacts_run), "--org", "red-andina", input="n\n")
    assert str(kept.exception) == "Nothing rolled back."
    assert scalar(vigil.url, "SELECT count(*) FROM alert_contacts") == 2
    done = vigil("import", "rollback", str(contacts_run), "--org", "red-andina", "--yes")
    assert done.stdout.strip() == f"Import run #{contacts_run} rolled back: deleted 2 contact."
    assert scalar(vigil.url, "SELECT count(*) FROM alert_contacts") == 0
    again = vigil("import", "rollback", str(contacts_run), "--yes")
    assert str(again.exception) == f"Import run #{contacts_run} was already rolled back."
    assert "State: rolled_back" in vigil("import", "run", str(contacts_run)).stdout


def test_mistakes_are_one_clear_line(vigil):
    assert str(vigil("import", "run", "999999").exception) == "No import run #999999."
    assert str(vigil("import", "rollback", "999999", "--yes").exception) == "No import run #999999."
    assert "No organisation" in str(vigil("import", "runs", "--org", "nobody").exception)


def test_the_commands_are_documented():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for command in ("runs", "run", "rollback"):
        assert f"`vigil import {command}" in readme
