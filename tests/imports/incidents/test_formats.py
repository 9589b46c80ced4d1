"""The same records from CSV, XLSX (written here with openpyxl) and JSON lines give the same
incidents; a line the reader cannot use is reported with its number, the rest imported."""

from __future__ import annotations

import pytest

from tests.imports.incidents.conftest import ROWS, write_csv, write_jsonl, write_xlsx
from vigil.imports.incidents.mapping import parse_mapping

WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_every_format_gives_the_same_report(run_import, tmp_path, kind):
    path = WRITERS[kind](tmp_path / f"incidents.{kind}", ROWS)

    report = run_import(path)

    assert (report.created, report.invalid, report.unmapped_rows) == (4, 1, 1)
    assert report.by_country == {"CO": 3, "HN": 1}
    first = 1 if kind == "jsonl" else 2  # JSON lines have no header line
    assert sorted(p.line for p in report.problems) == [first + 5, first + 5]
    assert [e.lines for e in report.unmapped.values()] == [[first + 4]]


def test_an_xlsx_sheet_is_chosen_by_the_mapping(mapping, run_import, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("Incidentes")
    sheet.append(["Pais", "Agresion", "Fecha"])
    sheet.append(["Guatemala", "Asesinato", "2019-06-01"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    chosen = parse_mapping(
        '[source]\nsheet = "Incidentes"\n[columns]\ncountry = "País"\n'
        'attack_type = "Agresión"\ndate = { column = "Fecha", order = "YMD" }\n'
    )

    report = run_import(path, use=chosen)

    assert (report.created, report.by_country) == (1, {"GT": 1})


def test_a_broken_json_line_is_reported_and_the_others_imported(run_import, tmp_path):
    path = write_jsonl(tmp_path / "broken.jsonl", ROWS[:2])
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], '{"ID": "A-9", "País": ', lines[1]]) + "\n")

    report = run_import(path)

    assert (report.created, report.invalid, report.rows_read) == (2, 1, 3)
    (problem,) = report.problems
    assert problem.line == 2


def test_a_row_with_undecodable_bytes_is_held_back_with_its_line(run_import, tmp_path):
    mapping = parse_mapping('[columns]\nid = "id"\ncountry = "pais"\nattack_type = "agresion"\n')
    path = tmp_path / "stray.csv"
    path.write_bytes(
        "id,pais,agresion\n1,Perú,asesinato\n".encode()
        + b"2,Bol\xedvia,asesinato\n"  # one Latin-1 byte in a UTF-8 file
        + "3,México,amenaza de muerte\n".encode()
    )

    report = run_import(path, use=mapping)

    assert (report.created, report.invalid) == (2, 1)
    (problem,) = report.problems
    assert (problem.line, problem.kind) == (3, "undecodable")
