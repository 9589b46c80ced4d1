"""Reading messy source files into numbered rows, whatever their encoding, line endings or
format (CSV, XLSX, JSON lines). Rows are ``SourceRow``: the 1-based line (CSV/JSONL: the
physical line where the record starts; XLSX: the sheet row) and the cell values by column
name. Problems (undecodable bytes, a malformed JSON line) are reported per line, never raised
half-way through a file."""

from __future__ import annotations

from dataclasses import dataclass, field


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
