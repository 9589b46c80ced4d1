"""`vigil import ftm`, `vigil import companies` and `vigil export ftm` as real processes, on
SQLite and PostgreSQL (each sequence once per module, both concurrently: a `vigil` process
takes about two seconds to start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from vigil.core.db import make_engine, session_scope
from vigil.core.migrations import upgrade
from vigil.vocabularies.service import seed_vocabularies

DATA = Path(__file__).resolve().parent.parent / "data"
DONATIONS = DATA / "ftm-donations" / "donations.ijson"
OSH_LIST = DATA / "open-supply-hub" / "Winter 2019 Compliance List V2.csv"
_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]
BAD = [
    json.dumps({"id": "c-1", "schema": "Company", "properties": {"name": ["Alpha S.A."]}}),
    "not json",
    json.dumps({"id": "x", "schema": "Spaceship", "properties": {}}),
]


def run(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(VIGIL_DATA_DIR=str(data_dir), VIGIL_DATABASE_URL=url)
    return subprocess.run(
        [*VIGIL, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(f"SELECT count(*) FROM {table}"))
    finally:
        engine.dispose()


def prepare(url: str) -> str:
    upgrade(url)  # not in a thread: Alembic's migration context is process-global
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
    engine.dispose()
    return url


def sequence(url: str, tmp: Path) -> dict[str, Any]:
    bad = tmp / "bad.ijson"
    bad.write_text("\n".join(BAD) + "\n", encoding="utf-8")
    out = tmp / "export.ijson"
    data_dir = tmp / "var"
    seen: dict[str, Any] = {
        "strict": run(url, data_dir, "import", "ftm", str(bad), "--strict"),
        "after_strict": count(url, "companies"),
        "lenient": run(url, data_dir, "import", "ftm", str(bad)),
        "first": run(url, data_dir, "import", "ftm", str(DONATIONS), "--dataset", "donations"),
        "second": run(url, data_dir, "import", "ftm", str(DONATIONS), "--dataset", "donations"),
        "stdout": run(url, data_dir, "export", "ftm"),
        "file": run(url, data_dir, "export", "ftm", str(out)),
        "csv": run(
            url,
            data_dir,
            "import",
            "companies",
            str(OSH_LIST),
            "--map",
            "name=name,jurisdiction=country,address=address",
        ),
        "bad_map": run(url, data_dir, "import", "companies", str(OSH_LIST), "--map", "colour=x"),
        "missing": run(url, data_dir, "import", "ftm", str(tmp / "nope.ijson")),
    }
    seen["exported"] = out.read_text(encoding="utf-8").splitlines()
    seen["companies"] = count(url, "companies")
    return seen


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    name = pg_database_name("_ftmcli")
    pg_url = create_pg_database(name)
    sqlite_dir, pg_dir = tmp_path_factory.mktemp("sqlite"), tmp_path_factory.mktemp("pg")
    try:
        with ThreadPoolExecutor(2) as pool:
            sqlite_url = prepare(f"sqlite:///{sqlite_dir / 'vigil.db'}")
            sqlite = pool.submit(sequence, sqlite_url, sqlite_dir)
            postgres = pool.submit(sequence, prepare(pg_url), pg_dir)
            yield {"sqlite": sqlite.result(), "postgresql": postgres.result()}
    finally:
        drop_pg_database(name)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_strict_import_of_a_bad_file_imports_nothing_and_names_the_lines(runs, kind):
    seen = runs[kind]
    strict = seen["strict"]
    assert strict.returncode == 2
    assert strict.stderr.splitlines() == [
        "line 2: not valid JSON (Expecting value)",
        "line 3: unknown schema 'Spaceship'",
        "Error: 2 bad lines; nothing imported (--strict).",
    ]
    assert seen["after_strict"] == 0
    lenient = seen["lenient"]
    assert lenient.returncode == 0, lenient.stderr
    assert lenient.stderr.splitlines()[:2] == strict.stderr.splitlines()[:2]
    assert lenient.stdout.strip() == "Imported bad.ijson: 1 companies created; 2 bad lines."


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_import_is_idempotent_and_export_round_trips(runs, kind):
    seen = runs[kind]
    first, second = seen["first"], seen["second"]
    assert first.returncode == 0, first.stderr
    assert "22 persons were not imported" in first.stdout
    assert first.stdout.splitlines()[-1] == (
        "Imported donations: 69 addresses created, 73 companies created, 242 relationships "
        "created; skipped 20 addresses of no company, 48 links to persons, 22 persons; "
        "0 bad lines."
    )
    assert "73 companies unchanged" in second.stdout
    stdout = seen["stdout"]
    assert stdout.returncode == 0 and stdout.stderr.strip() == "Exported 385 entities."
    lines = stdout.stdout.splitlines()
    assert len(lines) == 385  # the donations' 384 and Alpha S.A. from the lenient import
    assert lines == seen["exported"]
    assert seen["file"].stdout.strip() == "Exported 385 entities."
    assert {json.loads(line)["schema"] for line in lines} == {
        "Address",
        "Company",
        "Organization",
        "Payment",
    }


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_csv_import_and_its_mistakes(runs, kind):
    seen = runs[kind]
    assert seen["csv"].returncode == 0, seen["csv"].stderr
    assert seen["csv"].stdout.splitlines() == [
        "Columns not imported: sector, lat, lng.",
        "Imported Winter 2019 Compliance List V2.csv: 351 addresses created, "
        "351 companies created; 0 bad rows.",
    ]
    assert seen["companies"] == 74 + 351
    for key in ("bad_map", "missing"):
        assert seen[key].returncode == 2
        assert len(seen[key].stderr.splitlines()) == 1
    assert seen["bad_map"].stderr.startswith("Error: --map: unknown field 'colour'")
    assert seen["missing"].stderr.startswith("Error: No such file: ")
