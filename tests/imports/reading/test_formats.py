"""Choosing how to read a file: by the declared format, else by its suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.core.errors import Invalid
from vigil.imports.reading import count_rows, guess_format, open_rows


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.csv", None, "csv"),
        ("a.TSV", None, "csv"),
        ("a.xlsx", None, "xlsx"),
        ("a.jsonl", None, "jsonl"),
        ("a.ndjson", None, "jsonl"),
        ("export.dat", "csv", "csv"),
        ("a.csv", "JSONL", "jsonl"),
    ],
)
def test_the_format_is_declared_or_guessed_from_the_suffix(
    name: str, fmt: str | None, expected: str
) -> None:
    assert guess_format(Path(name), fmt) == expected


@pytest.mark.parametrize(("name", "fmt"), [("a.xls", None), ("a.json", None), ("a.csv", "pdf")])
def test_an_unknown_format_is_a_clear_error(tmp_path: Path, name: str, fmt: str | None) -> None:
    path = tmp_path / name
    path.write_text("x")
    with pytest.raises(Invalid, match="the format must be one of CSV, XLSX or JSON lines"):
        open_rows(path, fmt=fmt)
    with pytest.raises(Invalid):
        count_rows(path, fmt=fmt)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="No file at"):
        open_rows(tmp_path / "nowhere.csv")


def test_a_reader_is_a_context_manager_that_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("id,nombre\n")
        out.writelines(f"{n},Persona {n}\n" for n in range(20_000))
    with open_rows(path) as reader:
        rows = iter(reader)
        first = next(rows)
        assert (first.line, first.values) == (2, {"id": "0", "nombre": "Persona 0"})
        assert sum(1 for _ in rows) == 19_999
    assert count_rows(path) == 20_000
