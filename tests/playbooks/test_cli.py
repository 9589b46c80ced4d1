"""`vigil playbooks …` in process, against a fresh database of each kind (the commands commit,
so they never touch the shared test database)."""

from __future__ import annotations

import sys
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'vigil.db'}"
    else:
        name = pg_database_name("_playbooks")
        url = create_pg_database(name)
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
        ensure_organisation(session, slug="red-andina", name="Red Andina")
    engine.dispose()
    yield url
    if name:
        drop_pg_database(name)


@pytest.fixture
def vigil(database, tmp_path):
    runner = CliRunner()
    env = {"VIGIL_DATABASE_URL": database, "VIGIL_DATA_DIR": str(tmp_path / "var")}

    def run(*args: str):
        return runner.invoke(cli.app, list(args), env=env, catch_exceptions=True)

    # An installation has its keys (the audit log signs every entry) before anything else.
    assert run("keys", "init").exit_code == 0

    run.url = database  # type: ignore[attr-defined]
    return run


def versions(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM playbooks"))
    finally:
        engine.dispose()


def test_install_list_export_import_round_trip(vigil, tmp_path):
    result = vigil("playbooks", "install-defaults", "--org", "red-andina")
    assert result.exit_code == 0, result.output
    assert f"Installed {len(default_playbook_files())} playbooks" in result.output
    again = vigil("playbooks", "install-defaults", "--org", "red-andina")
    assert "already installed" in again.output

    listing = vigil("playbooks", "list", "--org", "red-andina")
    assert "death_threat\tv1\tdeath_threat\tDeath threat" in listing.output
    assert "judicial_harassment\tv1\tjudicial_criminal,judicial_civil_slapp" in listing.output

    exported = vigil("playbooks", "export", "death_threat", "--org", "red-andina")
    assert exported.output == DEATH_THREAT.read_text()

    edited = tmp_path / "death_threat.yaml"
    edited.write_text(DEATH_THREAT.read_text().replace("deadline_hours: 24", "deadline_hours: 12"))
    result = vigil("playbooks", "import", str(edited), "--org", "red-andina")
    assert result.output.strip() == "death_threat: version 2 imported and now current."
    result = vigil("playbooks", "import", str(edited), "--org", "red-andina")
    assert result.output.strip() == "death_threat: unchanged (same as version 2)."

    out = tmp_path / "v1.yaml"
    result = vigil(
        "playbooks", "export", "death_threat", "--org", "red-andina", "--version", "1",
        "--output", str(out),
    )  # fmt: skip
    assert result.exit_code == 0 and out.read_text() == DEATH_THREAT.read_text()
    assert "death_threat\tv2" in vigil("playbooks", "list", "--org", "red-andina").output


def test_mistakes_store_nothing(vigil, tmp_path):
    before = versions(vigil.url)
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEATH_THREAT.read_text().replace("{of: lender}", "{of: finance}"))
    result = vigil("playbooks", "import", str(bad), "--org", "red-andina")
    assert result.exit_code != 0
    assert "tiers[1].recipients[2].of: unknown leverage role 'finance'" in str(result.exception)
    result = vigil("playbooks", "import", str(tmp_path / "missing.yaml"), "--org", "red-andina")
    assert "No such file" in str(result.exception)
    result = vigil("playbooks", "import", str(DEATH_THREAT), "--org", "nobody")
    assert "No organisation with slug 'nobody'" in str(result.exception)
    result = vigil("playbooks", "export", "nothing", "--org", "red-andina")
    assert "No playbook 'nothing'" in str(result.exception)
    assert versions(vigil.url) == before


def test_a_mistake_is_one_line_on_stderr(database, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: x\nurgency: [0\n")
    monkeypatch.setenv("VIGIL_DATABASE_URL", database)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(
        sys, "argv", ["vigil", "playbooks", "import", str(bad), "--org", "red-andina"]
    )
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("Error: The playbook is not valid: YAML syntax error at line 3")


def test_the_commands_are_documented():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for command in ("import", "export", "list", "install-defaults"):
        assert f"`vigil playbooks {command}" in readme
