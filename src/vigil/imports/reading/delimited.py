"""CSV (and TSV, semicolon-separated…) files read record by record.

The standard ``csv`` module parses quoting; this module feeds it physical lines from
``reading.text`` (decoded, breaks normalised to ``\\n``) and remembers which line each record
starts on, so a problem points at the line a person finds in an editor even after a quoted
cell that spans several lines.

A record with more cells than the header (beyond trailing empty ones) or fewer is reported
and skipped: its values would land in the wrong columns. Blank lines are skipped silently.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from vigil.core.errors import Invalid
from vigil.imports.reading import ReadProblem, RowReader, SourceRow
from vigil.imports.reading.cells import check_header, is_blank
from vigil.imports.reading.text import TextLine, checked_encoding, detect_encoding, read_lines

DELIMITERS = ",;\t|"
_SEP_HINT = re.compile(r"^\s*sep=(.)\s*$")  # Excel's own first line naming the separator
_SNIFF_LINES = 20


class DelimitedReader(RowReader):
    def __init__(
        self, path: Path, *, delimiter: str | None = None, encoding: str | None = None
    ) -> None:
        super().__init__()
        self.encoding = checked_encoding(encoding) if encoding else detect_encoding(path)
        self._source = read_lines(path, self.encoding)
        self._consumed = 0  # physical lines handed to the csv parser so far
        self._record_quotes = 0  # quote marks in the record being parsed
        head = [line for _, line in zip(range(_SNIFF_LINES), self._source, strict=False)]
        hint = _SEP_HINT.match(head[0].text) if head else None
        if hint:
            delimiter = delimiter or hint.group(1)
            self._note(head.pop(0))
        self.delimiter = delimiter or _sniff(head)
        self._records = csv.reader(
            self._lines(chain(head, self._source)), delimiter=self.delimiter, strict=False
        )
        self._width = 0
        self.columns = self._read_header()

    def _lines(self, source: Iterator[TextLine]) -> Iterator[str]:
        for line in source:
            self._note(line)
            self._record_quotes += line.text.count('"')
            yield line.text

    def _note(self, line: TextLine) -> None:
        self._consumed = line.number
        if line.undecodable:
            self.problems.append(
                ReadProblem(
                    line.number,
                    "undecodable",
                    f"Line {line.number} has bytes that are not valid {self.encoding}; "
                    "they were replaced by \ufffd.",
                )
            )

    def _next_record(self) -> tuple[int, list[str]] | None:
        """The next non-blank record and the line it starts on; ``None`` at the end."""
        while True:
            start = self._consumed + 1
            self._record_quotes = 0
            try:
                cells = next(self._records)
            except StopIteration:
                return None
            except csv.Error as error:
                hint = " (a quote left open on this line?)" if "field limit" in str(error) else ""
                self.problems.append(
                    ReadProblem(start, "malformed", f"Line {start} cannot be read: {error}{hint}.")
                )
                continue
            if self._record_quotes % 2 and self._consumed > start:
                self.problems.append(self._unclosed_problem(start))
            elif not is_blank(cells):
                return start, cells

    def _read_header(self) -> list[str]:
        first = self._next_record()
        if first is None:
            raise Invalid("The file is empty: there is no header row naming the columns.")
        line, cells = first
        self._width = len(cells)
        return check_header(cells, line)

    def __iter__(self) -> Iterator[SourceRow]:
        named = len(self.columns)
        while (record := self._next_record()) is not None:
            start, cells = record
            if len(cells) < named or not is_blank(cells[named:]):
                self.problems.append(self._width_problem(start, len(cells)))
                continue
            yield SourceRow(start, {name: cells[i].strip() for i, name in enumerate(self.columns)})

    def _unclosed_problem(self, start: int) -> ReadProblem:
        """A quote opened and never closed swallows every following line into one cell; the
        parser cannot tell, but an odd number of quote marks over several lines can."""
        return ReadProblem(
            start,
            "unclosed_quote",
            f"Lines {start}–{self._consumed}: a quote opened on line {start} is never "
            "closed, so these lines read as one row; it was skipped. Close the quote.",
        )

    def _width_problem(self, start: int, count: int) -> ReadProblem:
        kind = "too_few_cells" if count < len(self.columns) else "too_many_cells"
        span = f"Lines {start}–{self._consumed}" if self._consumed > start else f"Line {start}"
        hint = " (a quote left open?)" if self._consumed > start else ""
        return ReadProblem(
            start,
            kind,
            f"{span}{hint}: {count} {'cell' if count == 1 else 'cells'} where the header "
            f"has {len(self.columns)}; "
            "the row was skipped.",
        )

    def close(self) -> None:
        self._source.close()


def _sniff(head: list[TextLine]) -> str:
    """The separator the first lines use: ``csv.Sniffer`` among the usual ones, else the
    commonest of them in the header line, else a comma."""
    sample = "".join(line.text for line in head)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    header = head[0].text if head else ""
    counts = {mark: header.count(mark) for mark in DELIMITERS}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] else ","
