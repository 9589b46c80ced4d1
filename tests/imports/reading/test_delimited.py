"""CSV records: line endings of every system, quoted cells over several lines, blank lines,
rows of the wrong width, headers a mapping could not use; line numbers are the physical
line where each record starts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.core.errors import Invalid
from vigil.imports.reading import count_rows, open_rows

FILES = Path(__file__).parent.parent / "files"


def read(path: Path, **options: str):
    with open_rows(path, **options) as reader:
        rows = list(reader)
    return reader, rows


def write(tmp_path: Path, content: str, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def test_old_mac_line_breaks_also_inside_a_quoted_cell_and_no_final_break() -> None:
    reader, rows = read(FILES / "old_mac.csv")
    assert [(row.line, row.values["notas"]) for row in rows] == [
        (2, "primera línea\nsegunda línea"),
        (4, "sin notas"),
    ]
    assert reader.problems == []


def test_windows_breaks_in_a_quoted_cell_then_bad_rows_named_by_their_first_line() -> None:
    reader, rows = read(FILES / "multiline_crlf.csv")
    assert [(row.line, row.values["id"]) for row in rows] == [(2, "1"), (6, "2"), (9, "5")]
    assert rows[0].values["notas"] == "uno\ndos\ntres"  # the cell's own breaks kept as \n
    assert [(p.line, p.kind) for p in reader.problems] == [
        (7, "too_many_cells"),
        (8, "too_few_cells"),
    ]
    assert "Line 7: 4 cells where the header has 3" in reader.problems[0].message
    assert "skipped" in reader.problems[0].message


def test_a_missing_final_line_break_loses_no_row(tmp_path: Path) -> None:
    _reader, rows = read(write(tmp_path, "a,b\r\n1,2\r\n3,4"))
    assert [row.values for row in rows] == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_blank_lines_and_whitespace_lines_are_skipped_without_a_problem(tmp_path: Path) -> None:
    reader, rows = read(write(tmp_path, "\n\na,b\n\n1,2\n   \n,\n3,4\n\n"))
    assert [(row.line, row.values["a"]) for row in rows] == [(5, "1"), (8, "3")]
    assert reader.problems == []


def test_an_unclosed_quote_swallowing_lines_is_reported_with_its_span(tmp_path: Path) -> None:
    reader, rows = read(write(tmp_path, 'a,b\n1,"oops\n2,x\n3,y\n'))
    assert rows == []
    [problem] = reader.problems
    assert problem.line == 2
    assert (problem.kind, problem.line) == ("unclosed_quote", 2)
    assert "Lines 2–4: a quote opened on line 2 is never closed" in problem.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,fecha,id\n1,2,3\n", "'id' is used twice (columns 1 and 3)"),
        ("id,,fecha\n1,2,3\n", "column 2 of the header has no name"),
        ("", "The file is empty"),
        ("\r\n\r\n  \r\n", "The file is empty"),
    ],
)
def test_a_header_a_mapping_could_not_use_is_a_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(Invalid, match=re.escape(message)):
        open_rows(write(tmp_path, content))


def test_trailing_empty_header_cells_from_excel_are_dropped(tmp_path: Path) -> None:
    reader, rows = read(write(tmp_path, "a,b,,\n1,2,,\n3,4\n"))
    assert reader.columns == ["a", "b"]
    assert [row.values for row in rows] == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert reader.problems == []


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ("sep=;\na;b;c\n1;2;3\n", ";"),  # Excel's hint line names the separator
    ],
)
def test_the_separator_is_found(tmp_path: Path, content: str, delimiter: str) -> None:
    reader, rows = read(write(tmp_path, content))
    assert reader.delimiter == delimiter
    assert reader.columns == ["a", "b", "c"]
    assert rows[0].values["c"] == "3"


def test_a_declared_separator_wins(tmp_path: Path) -> None:
    reader, _rows = read(write(tmp_path, "a;b,c\n1;2,3\n"), delimiter=",")
    assert reader.columns == ["a;b", "c"]


def test_values_are_stripped_of_surrounding_spaces(tmp_path: Path) -> None:
    _reader, rows = read(write(tmp_path, " id , nombre \n 1 ,  Ana María  \n"))
    assert rows[0].values == {"id": "1", "nombre": "Ana María"}


def test_count_rows_is_a_cheap_estimate_for_a_progress_bar(tmp_path: Path) -> None:
    assert count_rows(write(tmp_path, "a\n1\n2\n3")) == 3
    assert count_rows(write(tmp_path, "a\r1\r2\r", "mac.csv")) == 2
    assert count_rows(write(tmp_path, "a\r\n1\r\n", "win.csv")) == 1


CELL = st.text(st.sampled_from('ab ,"\n\r\tñ;'), max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    table=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=6),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_table_written_by_a_csv_writer_reads_back_at_its_start_lines(
    tmp_path_factory: pytest.TempPathFactory, table: list[list[str]], terminator: str
) -> None:
    """Whatever the cells hold (separators, quotes, line breaks of any kind), the values
    come back (breaks as \\n, stripped) and each row's line is where its record starts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    writer.writerow(["x", "y", "z"])
    starts, line = [], 2
    rows = [row for row in table if any(cell.strip() for cell in row)]
    for row in rows:
        writer.writerow(row)
        starts.append(line)
        line += 1 + sum(_breaks(cell) for cell in row)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    reader, read_rows = read(path, delimiter=",")
    expected = [[_unified(cell) for cell in row] for row in rows]
    assert [list(r.values.values()) for r in read_rows] == expected
    assert [r.line for r in read_rows] == starts
    assert reader.problems == []


def _unified(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _breaks(cell: str) -> int:
    return cell.replace("\r\n", "\n").replace("\r", "\n").count("\n")


def test_a_cell_beyond_the_csv_field_limit_is_reported_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    reader, rows = read(
        write(tmp_path, "a,b\n1," + "x" * (csv.field_size_limit() + 1) + "\n2,ok\n")
    )
    assert [(row.line, row.values["a"]) for row in rows] == [(3, "2")]
    [problem] = reader.problems
    assert (problem.line, problem.kind) == (2, "malformed")
    assert "a quote left open on this line?" in problem.message
