"""Minimum cell size over several dimensions: which counts may be published, and which
incidents every published number leaves out.

A *dimension* sorts incidents into cells (country, year, type of attack…). On a
**single-valued** dimension each incident has exactly one value, so the cells partition the
incidents; on a **multi-valued** one an incident may have several (an incident with a threat
and a beating is in both attack-type cells). A value that was not recorded is the value
:data:`UNKNOWN`, a cell like any other (also withheld when small), so every incident is in at
least one cell of every dimension.

The rule: a cell with fewer than ``min_cell`` counted incidents is withheld, and an incident
stays counted only while

- on every single-valued dimension, its cell is shown, and
- on every multi-valued dimension, at least one of its cells is shown;

dropping incidents can make another cell too small, so this repeats until nothing changes.

Why no withheld cell can be recovered from the published numbers, whatever one adds or
subtracts, across any dimensions:

- Every published number (the total and each shown cell) is a count over the counted
  incidents only, of shown values only: a withheld value enters no number.
- On a single-valued dimension, a withheld cell has no counted incident at all (each counted
  incident is in a shown cell, and only one), so its incidents are in no published number,
  and the shown cells add up to exactly the total: "total − shown cells" is always 0.
- On a multi-valued dimension a counted incident may also carry a withheld value, but being
  in that cell changes no published number (the incident counts in the total and in its
  shown cells whether or not it has the withheld value), so no combination of numbers can
  measure the withheld cell.
- The set of counted incidents does not depend on the withheld incidents either: an
  incident whose cell stays under ``min_cell`` can never be counted, and removing it changes
  no count that decides whether another incident is counted.

So the only things published about a withheld cell are that it exists (the batch saw at least
one incident there, before consent and withholding left it with fewer than ``min_cell``) and
that it is withheld.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: The value of a dimension that was not recorded (no sector, no date, no gender given).
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Axis:
    """A dimension of the published counts."""

    name: str
    multi_valued: bool = False
    #: Order the table by code (years: chronological) rather than by count.
    by_code: bool = False


@dataclass(frozen=True)
class Countable:
    """What the batch may know of one incident: its values on each dimension."""

    values: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, **values: str | Iterable[str] | None) -> Countable:
        """``Countable.of(country="PE", attack_type={"killing"}, sector=None)``: a missing
        value (None, empty) becomes :data:`UNKNOWN`."""
        normalised: dict[str, frozenset[str]] = {}
        for name, value in values.items():
            chosen = frozenset([value] if isinstance(value, str) else (value or ()))
            normalised[name] = chosen or frozenset([UNKNOWN])
        return cls(values=normalised)


@dataclass(frozen=True)
class PublishedTables:
    total: int
    #: dimension -> code -> count, or None for "fewer than min_cell"
    tables: dict[str, dict[str, int | None]]


def suppress_small_cells(
    incidents: Mapping[int, Countable], *, axes: Sequence[Axis], min_cell: int
) -> PublishedTables:
    """Withhold every cell below ``min_cell`` and drop from every number the incidents the
    module's rule leaves out, repeating until nothing changes."""
    counted = dict(incidents)
    while True:
        counts = _counts(counted, axes)
        still = {
            incident_id: item
            for incident_id, item in counted.items()
            if all(_stays(item, axis, counts[axis.name], min_cell) for axis in axes)
        }
        if len(still) == len(counted):
            break
        counted = still
    tables = {}
    for axis in axes:
        seen = {code for item in incidents.values() for code in item.values[axis.name]}
        tables[axis.name] = _table(counts[axis.name], seen, min_cell, by_code=axis.by_code)
    return PublishedTables(total=len(counted), tables=tables)


def _counts(counted: Mapping[int, Countable], axes: Sequence[Axis]) -> dict[str, Counter[str]]:
    return {
        axis.name: Counter(code for item in counted.values() for code in item.values[axis.name])
        for axis in axes
    }


def _stays(item: Countable, axis: Axis, counts: Counter[str], min_cell: int) -> bool:
    shown = [counts[code] >= min_cell for code in item.values[axis.name]]
    return any(shown) if axis.multi_valued else all(shown)


def _table(
    counts: Counter[str], seen: set[str], min_cell: int, *, by_code: bool
) -> dict[str, int | None]:
    """Shown cells by count (largest first) then the withheld ones by code; or, ``by_code``,
    every cell by code. The unknown value always comes last."""
    table: dict[str, int | None] = {
        code: (counts[code] if counts[code] >= min_cell else None) for code in seen
    }

    def order(code: str) -> tuple[bool, bool, int, str]:
        count = table[code]
        if by_code:
            return (code == UNKNOWN, False, 0, code)
        return (code == UNKNOWN, count is None, -(count or 0), code)

    return {code: table[code] for code in sorted(table, key=order)}
