"""What an incident import did, or would do: counts, unmapped words, held-back rows.

The same report answers a dry run ("would create") and a real import ("created"), on a
terminal (``render_text``) or for a program (``as_json``). Memory stays flat on large files:
each unmapped word keeps its count and first few lines, and at most ``MAX_LISTED`` held-back
rows are kept in full (the rest are counted; a real run stores every one as an
``ImportProblem``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vigil.imports.incidents.mapping import folded
from vigil.imports.incidents.rows import Draft, Problem

#: Held-back rows kept in the report in full; more are counted only.
MAX_LISTED = 1000
#: Lines shown per unmapped word.
FIRST_LINES = 5


@dataclass
class UnmappedValue:
    field: str
    value: str
    column: str | None
    count: int = 0
    lines: list[int] = field(default_factory=list)


@dataclass
class ImportReport:
    source_name: str
    dry_run: bool
    run_id: int | None = None
    resumed_from_line: int = 0
    rows_read: int = 0
    created: int = 0
    skipped: int = 0
    invalid: int = 0
    unmapped_rows: int = 0
    duplicates: int = 0
    by_country: Counter[str] = field(default_factory=Counter)
    by_attack_type: Counter[str] = field(default_factory=Counter)
    unmapped: dict[tuple[str, str], UnmappedValue] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problems_not_listed: int = 0

    def count_created(self, draft: Draft) -> None:
        self.created += 1
        self.by_country[draft.country] += 1
        self.by_attack_type.update(draft.attack_types)

    def hold_back(self, problems: list[Problem]) -> None:
        """Count one held-back row by its worst reason (invalid over duplicate over unmapped:
        fixing the mapping will not save an invalid row) and list its problems."""
        kinds = {problem.kind for problem in problems}
        if kinds <= {"unmapped"}:
            self.unmapped_rows += 1
        elif kinds <= {"duplicate", "unmapped"}:
            self.duplicates += 1
        else:  # invalid, or the reader's own (undecodable, malformed, a cell too many…)
            self.invalid += 1
        for problem in problems:
            if problem.kind == "unmapped":
                self._note_unmapped(problem)
            elif len(self.problems) < MAX_LISTED:
                self.problems.append(problem)
            else:
                self.problems_not_listed += 1

    def _note_unmapped(self, problem: Problem) -> None:
        value = problem.value or ""
        entry = self.unmapped.setdefault(
            (problem.field or "", folded(value)),
            UnmappedValue(field=problem.field or "", value=value, column=problem.column),
        )
        entry.count += 1
        if len(entry.lines) < FIRST_LINES:
            entry.lines.append(problem.line)

    @property
    def held_back(self) -> int:
        return self.invalid + self.unmapped_rows + self.duplicates

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source_name,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "resumed_after_line": self.resumed_from_line,
            "rows_read": self.rows_read,
            "created" if not self.dry_run else "would_create": self.created,
            "skipped_already_imported": self.skipped,
            "invalid": self.invalid,
            "unmapped": self.unmapped_rows,
            "duplicates": self.duplicates,
            "by_country": dict(sorted(self.by_country.items())),
            "by_attack_type": dict(sorted(self.by_attack_type.items())),
            "unmapped_values": [
                {
                    "field": entry.field,
                    "value": entry.value,
                    "column": entry.column,
                    "count": entry.count,
                    "first_lines": entry.lines,
                }
                for entry in self._unmapped_sorted()
            ],
            "problems": [
                {
                    "line": p.line,
                    "kind": p.kind,
                    "column": p.column,
                    "message": p.message,
                }
                for p in self.problems
            ],
            "problems_not_listed": self.problems_not_listed,
        }

    def _unmapped_sorted(self) -> list[UnmappedValue]:
        return sorted(self.unmapped.values(), key=lambda e: (e.field, -e.count, e.value))

    def summary(self) -> str:
        verb = "Would create" if self.dry_run else "Created"
        return (
            f"{verb} {self.created} incidents; skipped {self.skipped} already imported; "
            f"held back {self.invalid} invalid, {self.unmapped_rows} with unmapped values, "
            f"{self.duplicates} duplicates ({self.rows_read} rows read)."
        )

    def render_text(self) -> str:
        """The report for a person at a terminal: what would be created, by country and
        attack type; each unmapped word with its count and first lines; each held-back row."""
        out: list[str] = []
        title = f"{'Dry run' if self.dry_run else 'Import'} of {self.source_name}"
        if self.run_id is not None:
            title += f" (import run #{self.run_id})"
        out.append(title)
        if self.resumed_from_line:
            out.append(f"Resumed after line {self.resumed_from_line}.")
        if self.created:
            out.append("")
            out.append("Would create, by country:" if self.dry_run else "Created, by country:")
            out.extend(_counts(self.by_country))
            out.append("By attack type:")
            out.extend(_counts(self.by_attack_type))
        if self.unmapped:
            out.append("")
            out.append("Unmapped values (add them to the mapping's [values.<field>] tables):")
            for entry in self._unmapped_sorted():
                lines = ", ".join(str(n) for n in entry.lines)
                more = "…" if entry.count > len(entry.lines) else ""
                out.append(
                    f"  {entry.field:<16} {entry.value!r:<30} {entry.count:>6} "
                    f"{'row ' if entry.count == 1 else 'rows'}  "
                    f"(lines {lines}{more})"
                )
        if self.problems:
            out.append("")
            out.append("Rows held back:")
            for problem in self.problems:
                column = f" [{problem.column}]" if problem.column else ""
                out.append(f"  line {problem.line}{column}: {problem.message}")
            if self.problems_not_listed:
                out.append(f"  … and {self.problems_not_listed} more")
        out.append("")
        out.append(self.summary())
        return "\n".join(out)


def _counts(counter: Counter[str]) -> list[str]:
    return [f"  {name:<28} {count:>7}" for name, count in counter.most_common()]
