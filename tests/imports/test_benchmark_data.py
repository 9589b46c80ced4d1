"""The generator of the 100,000-row import benchmark's file: the same seed writes the same
bytes, and what it writes is messy in the ways the cleaners handle (nothing unreadable)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from benchmarks.imports_data import COLUMNS, write_csv

from vigil.imports.reading import count_rows, open_rows
from vigil.imports.values import ValueProblem
from vigil.imports.values.countries import resolve_country, resolve_region
from vigil.imports.values.dates import parse_date
from vigil.imports.values.numbers import parse_age


def test_the_same_seed_writes_the_same_file(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_csv(first, 300)
    write_csv(second, 300)
    write_csv(other, 300, seed=16)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_every_row_reads_and_every_value_cleans_under_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    mapping = tomllib.loads(write_csv(path, 500).read_text(encoding="utf-8"))
    assert count_rows(path) >= 500  # line breaks inside descriptions count too
    with open_rows(path) as reader:
        rows = list(reader)
    assert reader.columns == COLUMNS and reader.problems == []
    assert len(rows) == 500 and len({row.values["ID"] for row in rows}) == 500
    mapped_countries = mapping["values"]["country"]
    ages = [parse_age(row.values["Edad"]) for row in rows]
    for row in rows:
        assert not isinstance(parse_date(row.values["Fecha"], order="DMY"), ValueProblem)
        country = mapped_countries.get(row.values["País"]) or resolve_country(row.values["País"])
        assert country is not None, row.values["País"]
        assert resolve_region(country, row.values["Departamento"]) is not None
    assert sum(isinstance(age, int) for age in ages) > 300
