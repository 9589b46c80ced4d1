"""Reading messy source files into numbered rows, whatever their encoding, line endings or
format (CSV, XLSX, JSON lines). Rows are ``SourceRow``: the 1-based line (CSV/JSONL: the
physical line where the record starts; XLSX: the sheet row) and the cell values by column
name. Problems (undecodable bytes, a malformed JSON line) are reported per line, never raised
half-way through a file."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from vigil.core.errors import Invalid


@dataclass(frozen=True, slots=True)
class SourceRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class ReadProblem:
    line: int
    kind: str  # "undecodable", "malformed", "too_many_cells"…
    message: str
    column: str | None = field(default=None)


class RowReader(ABC):
    """An open source file read as numbered rows, one at a time (constant memory).

    Use it as a context manager and iterate it: ``columns`` is known as soon as it is open
    (the header, or the first JSON object's keys, extended as new keys appear); ``encoding``
    is the Python codec the text was decoded with (``"utf-8"`` for XLSX); ``problems`` fills
    up while rows are read, so read it after the loop. A row with a problem that makes its
    values unreliable (a malformed JSON line, more or fewer cells than the header) is
    reported and skipped; a row with undecodable bytes is kept, decoded with U+FFFD in their
    place, and reported.
    """

    columns: list[str]
    encoding: str
    problems: list[ReadProblem]

    def __init__(self) -> None:
        self.columns = []
        self.encoding = "utf-8"
        self.problems = []

    @abstractmethod
    def __iter__(self) -> Iterator[SourceRow]:
        """The rows, in file order (each format's reader says how)."""

    @abstractmethod
    def close(self) -> None:
        """Release the file; iterating a closed reader is an error."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


FORMATS = ("csv", "xlsx", "jsonl")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def guess_format(path: Path, fmt: str | None = None) -> str:
    """The declared format, else the one the file's suffix names; ``Invalid`` otherwise, so a
    user who uploads ``.xls`` or ``.json`` hears which formats are read rather than a crash."""
    chosen = fmt.lower().lstrip(".") if fmt else _SUFFIXES.get(path.suffix.lower())
    if chosen == "ndjson":
        chosen = "jsonl"
    if chosen not in FORMATS:
        raise Invalid(
            f"Cannot read {path.name!r}: the format must be one of CSV, XLSX or JSON lines "
            "(.csv, .tsv, .xlsx, .jsonl)."
        )
    return chosen


def open_rows(
    path: Path,
    *,
    fmt: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RowReader:
    """Open ``path`` as rows. ``fmt`` is "csv", "xlsx" or "jsonl" (guessed from the suffix
    when None); ``sheet`` names an XLSX sheet (the first one otherwise); ``delimiter`` is the
    CSV separator (sniffed from the header otherwise); ``encoding`` overrides detection.

    Raises ``Invalid`` before any row is read when the file cannot be read at all: unknown
    format, missing file, a header with an empty or repeated column name, an unknown sheet.
    """
    chosen = guess_format(path, fmt)
    if not path.is_file():
        raise Invalid(f"No file at {str(path)!r}.")
    if chosen == "csv":
        from vigil.imports.reading.delimited import DelimitedReader

        return DelimitedReader(path, delimiter=delimiter, encoding=encoding)
    if chosen == "xlsx":
        from vigil.imports.reading.sheets import SheetReader

        return SheetReader(path, sheet=sheet)
    from vigil.imports.reading.jsonlines import JsonLinesReader

    return JsonLinesReader(path, encoding=encoding)


def count_rows(path: Path, *, fmt: str | None = None, sheet: str | None = None) -> int:
    """About how many data rows ``path`` holds, cheaply, for a progress bar: CSV and JSON
    lines count line breaks without decoding (a quoted cell's own line breaks and blank lines
    count too, so it may overshoot); XLSX reads the sheet's declared dimension."""
    chosen = guess_format(path, fmt)
    if chosen == "xlsx":
        from vigil.imports.reading.sheets import count_sheet_rows

        return count_sheet_rows(path, sheet=sheet)
    from vigil.imports.reading.text import count_lines

    lines = count_lines(path)
    return max(lines - 1, 0) if chosen == "csv" else lines
