"""``vigil import incidents`` through Typer's CliRunner, on a committed database of each kind:
mistakes are one line (``vigil.cli.main`` prints the ``Invalid`` raised), a dry run writes
nothing, an import and its re-run say what they did."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from tests.imports.incidents.conftest import MAPPING, ROWS, write_csv
from vigil import cli
from vigil.core.db import make_engine, session_scope
from vigil.core.errors import Invalid
from vigil.core.migrations import upgrade
from vigil.organisations.service import ensure_organisation
from vigil.vocabularies.service import seed_vocabularies


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'vigil.db'}"
    else:
        name = pg_database_name("_incident_import")
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


@pytest.fixture(scope="module")
def vigil(database, tmp_path_factory):
    runner = CliRunner()
    env = {"VIGIL_DATABASE_URL": database, "VIGIL_DATA_DIR": str(tmp_path_factory.mktemp("var"))}

    def run(*args: str):
        return runner.invoke(cli.app, list(args), env=env, catch_exceptions=True)

    assert run("keys", "init").exit_code == 0
    return run


def incidents(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM incidents"))
    finally:
        engine.dispose()


@pytest.fixture
def files(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return write_csv(tmp_path / "incidents.csv", ROWS), mapping


def one_line_error(result) -> str:
    assert result.exit_code != 0
    assert isinstance(result.exception, Invalid), result.output
    message = str(result.exception)
    assert "\n" not in message
    return message


def test_mistakes_are_one_line(vigil, files, tmp_path):
    data, mapping = files
    args = ("--map", str(mapping), "--org", "red-andina")

    missing = vigil("import", "incidents", str(tmp_path / "nothing.csv"), *args)
    assert one_line_error(missing) == f"No such file: {tmp_path / 'nothing.csv'}"

    no_map = vigil(
        "import", "incidents", str(data), "--map", str(tmp_path / "x.toml"), "--org", "red-andina"
    )
    assert one_line_error(no_map) == f"No such mapping file: {tmp_path / 'x.toml'}"

    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  country: País\n  attack_type: Agresión\n  edad: Edad\n")
    result = vigil("import", "incidents", str(data), "--map", str(bad), "--org", "red-andina")
    assert one_line_error(result).startswith("Mapping line 4: unknown field 'edad'")

    absent = tmp_path / "absent.toml"
    absent.write_text(MAPPING.replace('"Nombre"', '"Nombre completo"'), encoding="utf-8")
    result = vigil("import", "incidents", str(data), "--map", str(absent), "--org", "red-andina")
    assert "column 'Nombre completo' (victim_name) is not in the file" in one_line_error(result)

    nobody = vigil("import", "incidents", str(data), "--map", str(mapping), "--org", "nobody")
    assert nobody.exit_code != 0 and "No organisation with slug 'nobody'" in str(nobody.exception)


def test_dry_run_then_import_then_again(vigil, database, files):
    data, mapping = files
    args = ("import", "incidents", str(data), "--map", str(mapping), "--org", "red-andina")
    before = incidents(database)

    dry = vigil(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Dry run of Red Andina 2015-2020" in dry.output
    assert "Would create 4 incidents" in dry.output
    assert "line 7 [Edad]: '4145' is not a plausible age" in dry.output
    as_json = json.loads(vigil(*args, "--dry-run", "--format", "json").output)
    assert (as_json["would_create"], as_json["invalid"], as_json["unmapped"]) == (4, 1, 1)
    assert incidents(database) == before

    real = vigil(*args, "--batch-size", "2")
    assert real.exit_code == 0, real.output
    assert "Created 4 incidents; skipped 0 already imported" in real.output
    assert incidents(database) == before + 4

    again = vigil(*args)
    assert "Created 0 incidents; skipped 4 already imported" in again.output
    assert incidents(database) == before + 4
    runs = vigil("import", "runs", "--org", "red-andina")
    assert "Red Andina 2015-2020\tfinished\t4/0/2" in runs.output
