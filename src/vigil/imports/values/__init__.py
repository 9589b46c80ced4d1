"""Cleaning one cell's value from a source file: dates in a declared order, country and region
names in any language, ages. Each function returns the clean value, ``None`` for an empty
cell, or a ``ValueProblem`` saying in plain words what is wrong, so the importer can report
the row and line instead of guessing or crashing. Pure functions: no database, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """Why a value was refused; ``message`` is shown to the user next to the row's line."""

    message: str
