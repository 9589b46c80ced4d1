"""Reading a published spreadsheet or CSV into a header and numbered rows.

Published files are not tidy: the World Bank's bulk CSV has four lines of preamble before
its header, its DataBank export ends with "Data from database" footer lines, the WJP
workbook has several sheets. So the header is the first row (of the first ten, on any sheet)
that holds the layout's key column, and rows keep their line in the file (CSV: the physical
line; XLSX: the sheet row) so every error can say where it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from vigil.core.errors import Invalid
from vigil.core.i18n import gettext

#: Rows searched for the header, on each sheet.
HEADER_ROWS = 10


@dataclass(frozen=True)
class Table:
    #: The header cells as written, and normalised (lower case, single spaces) for lookup.
    header: list[str]
    rows: list[tuple[int, list[str]]]
    sheet: str = ""

    def column(self, name: str) -> int | None:
        wanted = normalise(name)
        for index, cell in enumerate(self.header):
            if normalise(cell) == wanted:
                return index
        return None


def normalise(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").split()).casefold()


def read_table(path: Path, *, key_columns: Iterable[str]) -> Table:
    """The first table of ``path`` whose header holds one of ``key_columns``."""
    keys = {normalise(k) for k in key_columns}
    data = path.read_bytes()
    if path.suffix.lower() in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04":
        sheets = _xlsx_sheets(data)
    else:
        sheets = [("", _csv_rows(data))]
    for sheet, rows in sheets:
        table = _with_header(sheet, rows, keys)
        if table is not None:
            return table
    expected = " / ".join(f'"{k}"' for k in key_columns)
    raise Invalid(
        gettext("%(file)s: no header row with the column %(columns)s.")
        % {"file": path.name, "columns": expected}
    )


def _with_header(sheet: str, rows: list[tuple[int, list[str]]], keys: set[str]) -> Table | None:
    for position, (_line, cells) in enumerate(rows[:HEADER_ROWS]):
        if keys & {normalise(c) for c in cells}:
            return Table(header=cells, rows=rows[position + 1 :], sheet=sheet)
    return None


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    match = from_bytes(data).best()
    text = data.decode("utf-8-sig") if match is None else str(match)
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    line = 1
    for cells in reader:
        rows.append((line, [c.strip() for c in cells]))
        line = reader.line_num + 1
    return rows


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, list[tuple[int, list[str]]]]]:
    from openpyxl import load_workbook  # only XLSX imports pay for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise Invalid(gettext("This is not a readable XLSX file.")) from error
    for sheet in book.worksheets:
        rows = [
            (number, [_cell(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        yield sheet.title, rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
