"""XLSX workbooks read row by row with openpyxl's read-only mode (the sheet's XML is streamed,
so a 100,000-row sheet never sits in memory). Cells are typed (numbers, dates): they are
written as the strings a CSV export would hold (``cells.cell_text``) so one mapping serves
both. A row's line is its sheet row number, the one Excel shows in its margin.

Cells are positional, so a short row cannot shift into the wrong columns: it is padded with
empty values. A value beyond the last named column is reported and ignored; the row is kept.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from vigil.core.errors import Invalid
from vigil.imports.reading import ReadProblem, RowReader, SourceRow
from vigil.imports.reading.cells import cell_text, check_header, is_blank


def _open_workbook(path: Path) -> Workbook:
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Invalid(
            f"{path.name!r} is not a readable XLSX workbook ({error}); "
            "save it again as .xlsx or as CSV."
        ) from None


def _sheet(workbook: Workbook, name: str | None) -> ReadOnlyWorksheet:
    """The named sheet, else the first one (not the "active" one, which depends on where
    the last person who saved the file had clicked)."""
    if name is None:
        return workbook.worksheets[0]
    if name not in workbook.sheetnames:
        names = ", ".join(repr(sheet) for sheet in workbook.sheetnames)
        raise Invalid(f"The workbook has no sheet {name!r}; its sheets are {names}.")
    return workbook[name]


class SheetReader(RowReader):
    def __init__(self, path: Path, *, sheet: str | None = None) -> None:
        super().__init__()
        self.encoding = "utf-8"  # XLSX is XML in UTF-8 by definition
        self._workbook = _open_workbook(path)
        try:
            self._rows = self._numbered(_sheet(self._workbook, sheet))
            header = next(self._rows, None)
            if header is None:
                raise Invalid("The sheet is empty: there is no header row naming the columns.")
            self.columns = check_header(header[1], header[0])
        except Invalid:
            self._workbook.close()
            raise

    @staticmethod
    def _numbered(worksheet: ReadOnlyWorksheet) -> Iterator[tuple[int, list[str]]]:
        """Non-blank rows as text with their sheet row numbers (openpyxl yields an empty row
        for each row the file leaves out, so counting from row 1 gives Excel's numbers)."""
        for number, row in enumerate(worksheet.iter_rows(min_row=1, values_only=True), 1):
            cells = [cell_text(value) for value in row]
            if not is_blank(cells):
                yield number, cells

    def __iter__(self) -> Iterator[SourceRow]:
        named = len(self.columns)
        for number, cells in self._rows:
            for position in range(named, len(cells)):
                if cells[position]:
                    letter = get_column_letter(position + 1)
                    self.problems.append(
                        ReadProblem(
                            number,
                            "unnamed_cell",
                            f"Row {number}: cell {letter}{number} is outside the named "
                            "columns; it was ignored.",
                        )
                    )
            padded = cells + [""] * (named - len(cells))
            yield SourceRow(number, dict(zip(self.columns, padded, strict=False)))

    def close(self) -> None:
        self._workbook.close()


def count_sheet_rows(path: Path, *, sheet: str | None = None) -> int:
    """The sheet's declared row count less the header (0 when the file does not declare
    its dimension): cheap, for a progress bar."""
    workbook = _open_workbook(path)
    try:
        worksheet = _sheet(workbook, sheet)
        return max((worksheet.max_row or 1) - 1, 0)
    finally:
        workbook.close()
