"""JSON lines (one object per line), as other documentation systems export them.

The columns are every key any object has, in the order they first appear: a first pass over
the file collects them (only the keys are kept), so ``columns`` is complete as soon as the
file is open and a mapping may name a key that only later objects have. A row has every
column, empty where its object lacks it. Values are written as
the strings a CSV export would hold (``cells.cell_text``). A line that is not valid JSON, or
holds something other than an object, is reported with its number and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from vigil.core.errors import Invalid
from vigil.imports.reading import ReadProblem, RowReader, SourceRow
from vigil.imports.reading.cells import cell_text
from vigil.imports.reading.text import checked_encoding, detect_encoding, read_lines


class JsonLinesReader(RowReader):
    def __init__(self, path: Path, *, encoding: str | None = None) -> None:
        super().__init__()
        self.encoding = checked_encoding(encoding) if encoding else detect_encoding(path)
        self.columns = _all_keys(path, self.encoding)
        if not self.columns:
            raise Invalid("The file has no JSON object with named fields on any line.")
        self._source = read_lines(path, self.encoding)
        self._objects = self._parsed()

    def _parsed(self) -> Iterator[tuple[int, dict[str, object]]]:
        for line in self._source:
            if line.undecodable:
                self._problem(
                    line.number,
                    "undecodable",
                    f"has bytes that are not valid {self.encoding}; they were replaced by \ufffd",
                )
            if not line.text.strip():
                continue
            try:
                value = json.loads(line.text)
            except json.JSONDecodeError as error:
                self._problem(
                    line.number,
                    "malformed",
                    f"is not valid JSON ({error.msg}, column {error.colno}); the line was skipped",
                )
                continue
            if not isinstance(value, dict):
                kind = type(value).__name__ if value is not None else "null"
                self._problem(
                    line.number,
                    "not_an_object",
                    f"holds a JSON {kind}, not an object with named fields; the line was skipped",
                )
                continue
            yield line.number, value

    def _problem(self, line: int, kind: str, text: str) -> None:
        self.problems.append(ReadProblem(line, kind, f"Line {line} {text}."))

    def __iter__(self) -> Iterator[SourceRow]:
        for number, value in self._objects:
            yield self._row(number, value)

    def _row(self, number: int, value: dict[str, object]) -> SourceRow:
        return SourceRow(number, {name: cell_text(value.get(name)) for name in self.columns})

    def close(self) -> None:
        self._objects.close()
        self._source.close()


def _all_keys(path: Path, encoding: str) -> list[str]:
    """Every object's keys in first-seen order; lines that are not objects are left to the
    reading pass to report."""
    keys: dict[str, None] = {}
    for line in read_lines(path, encoding):
        try:
            value = json.loads(line.text) if line.text.strip() else None
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            keys.update(dict.fromkeys(str(key) for key in value))
    return list(keys)
