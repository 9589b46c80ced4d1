"""``vigil export incidents``: the same rows as the HTTP export, written to a file."""

from __future__ import annotations

import csv
import json
from contextlib import contextmanager
from datetime import date

import pytest
from typer.testing import CliRunner

from tests.public.open_data_rows import RegisterRows
from vigil import cli
from vigil.core.errors import Invalid
from vigil.public import cli as public_cli
from vigil.public.open_data import iter_cells
from vigil.public.register import RegisterFilters


@pytest.fixture
def run(session, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """`vigil …` in-process, reading the test's (rolled-back) session."""

    @contextmanager
    def this_session(_url):  # type: ignore[no-untyped-def]
        yield session

    monkeypatch.setattr(public_cli, "database_session", this_session)
    env = {"VIGIL_DATA_DIR": str(tmp_path / "var"), "VIGIL_BASE_URL": "https://vigil.test"}

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli.app, list(args), env=env)

    return invoke


def test_csv_to_a_file_has_the_http_export_rows(run, session, vault, tmp_path, client):
    rows = RegisterRows(session, vault)
    rows.add(code="one", sort_date=date(2025, 2, 1), attack_types=("death_threat", "surveillance"))
    rows.add(code="two", sort_date=date(2025, 1, 1))
    out = tmp_path / "incidents.csv"
    result = run("export", "incidents", "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 2 incidents to" in result.output
    written = out.read_bytes()
    assert written == client.get("/data/incidents.csv").content
    table = list(csv.DictReader(written.decode().splitlines()))
    assert [row["code"] for row in table] == ["one", "two"]
    assert table[0]["attack_types"] == "death_threat;surveillance"
    assert not (tmp_path / "incidents.csv.partial").exists()


def test_jsonl_to_standard_output(run, session, vault):
    RegisterRows(session, vault).add(code="only")
    result = run("export", "incidents", "--format", "jsonl")
    assert result.exit_code == 0
    [line] = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert line["code"] == "only" and line["url"] == "https://vigil.test/incidents/only"


def test_mistakes_are_one_clear_error(run, tmp_path):
    bad = run("export", "incidents", "--format", "xml")
    assert isinstance(bad.exception, Invalid) and "use csv or jsonl" in str(bad.exception)
    nowhere = run("export", "incidents", "--output", str(tmp_path / "no" / "such" / "dir.csv"))
    assert isinstance(nowhere.exception, Invalid) and "Cannot write" in str(nowhere.exception)


def test_keyset_batches_neither_skip_nor_repeat(session, vault):
    rows = RegisterRows(session, vault)
    made = [rows.add(sort_date=date(2025, 1, 1 + i % 2)).code for i in range(5)]
    for batch in (1, 2, 4, 5, 6):  # below, at and above the row count
        got = [r[0] for r in iter_cells(session, RegisterFilters(), base_url="x", batch=batch)]
        assert sorted(got) == sorted(made) and len(got) == 5
