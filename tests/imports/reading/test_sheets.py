"""XLSX sheets: typed cells read as the strings a CSV export holds, rows numbered as Excel
numbers them, read-only (streamed)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from vigil.core.errors import Invalid
from vigil.imports.reading import count_rows, open_rows


def workbook(path: Path, rows: list[list[object]], *, title: str = "Incidentes") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notas").append(["nota"])
    book.save(path)
    return path


def read(path: Path, **options: str):
    with open_rows(path, **options) as reader:
        rows = list(reader)
    return reader, rows


def test_typed_cells_read_as_a_csv_export_would_write_them(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "typed.xlsx",
        [
            ["id", "fecha", "hora", "edad", "monto", "verificado", "nombre", "vacío"],
            [7, date(2019, 4, 3), time(14, 30), 34.0, 12.5, True, "  Ana  ", None],
            [8, datetime(2020, 1, 2, 9, 15), None, 41, 0.1, False, "Luis", None],
        ],
    )
    reader, rows = read(path)
    assert reader.columns == [
        "id",
        "fecha",
        "hora",
        "edad",
        "monto",
        "verificado",
        "nombre",
        "vacío",
    ]
    assert rows[0].values == {
        "id": "7",
        "fecha": "2019-04-03",  # a date cell is an ISO date, not "2019-04-03 00:00:00"
        "hora": "14:30:00",
        "edad": "34",  # no ".0" on a whole number
        "monto": "12.5",
        "verificado": "true",
        "nombre": "Ana",
        "vacío": "",
    }
    assert rows[1].values["fecha"] == "2020-01-02 09:15:00"
    assert rows[1].values["monto"] == "0.1"
    assert reader.encoding == "utf-8"


def test_rows_keep_the_sheet_row_number_across_blank_rows(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "gaps.xlsx",
        [[None], ["id", "nombre"], [1, "Ana"], [None, None], [None, None], [2, "Luis"], [3]],
    )
    reader, rows = read(path)
    assert [(row.line, row.values) for row in rows] == [
        (3, {"id": "1", "nombre": "Ana"}),
        (6, {"id": "2", "nombre": "Luis"}),
        (7, {"id": "3", "nombre": ""}),  # a short row is padded: cells cannot shift
    ]
    assert reader.problems == []


def test_a_value_outside_the_named_columns_is_reported_and_the_row_kept(tmp_path: Path) -> None:
    path = workbook(tmp_path / "wide.xlsx", [["id", "nombre"], [1, "Ana", "¿y esto?"]])
    reader, rows = read(path)
    assert rows[0].values == {"id": "1", "nombre": "Ana"}
    [problem] = reader.problems
    assert (problem.line, problem.kind) == (2, "unnamed_cell")
    assert "C2" in problem.message


def test_a_sheet_is_chosen_by_name_and_an_unknown_one_is_a_clear_error(tmp_path: Path) -> None:
    path = workbook(tmp_path / "book.xlsx", [["id"], [1]])
    reader, _rows = read(path, sheet="Notas")
    assert reader.columns == ["nota"]
    with pytest.raises(Invalid, match="no sheet 'Hoja1'; its sheets are 'Incidentes', 'Notas'"):
        open_rows(path, sheet="Hoja1")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["id", "fecha", "id"], "'id' is used twice"),
        (["id", None, "fecha"], "column 2 of the header has no name"),
    ],
)
def test_a_header_a_mapping_could_not_use_is_a_clear_error(
    tmp_path: Path, header: list[object], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        open_rows(workbook(tmp_path / "bad.xlsx", [header, [1, 2, 3]]))


def test_an_empty_sheet_and_a_file_that_is_no_workbook_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="The sheet is empty"):
        open_rows(workbook(tmp_path / "empty.xlsx", []))
    fake = tmp_path / "fake.xlsx"
    fake.write_text("id,nombre\n1,Ana\n")
    with pytest.raises(Invalid, match="is not a readable XLSX workbook"):
        open_rows(fake)


def test_count_rows_reads_the_declared_dimension(tmp_path: Path) -> None:
    path = workbook(tmp_path / "n.xlsx", [["id"], *([n] for n in range(25))])
    assert count_rows(path) == 25
