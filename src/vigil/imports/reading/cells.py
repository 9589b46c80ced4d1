"""What every format shares: a header checked the same way, and typed cells (XLSX, JSON)
written as the strings a CSV export of the same data would hold, so one mapping and one set
of value cleaners serve every format."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

from vigil.core.errors import Invalid


def check_header(cells: list[str], line: int) -> list[str]:
    """The column names of a header row, stripped. Trailing empty names are dropped (Excel
    often saves a few empty columns after the last one); an empty name before a named column
    or a repeated name is an ``Invalid`` naming the line and columns, because a mapping
    could not say which column it means."""
    names = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise Invalid(f"Line {line}: the header row has no column names.")
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            raise Invalid(
                f"Line {line}: column {position} of the header has no name; "
                "name it or delete the column."
            )
        if name in seen:
            raise Invalid(
                f"Line {line}: the column name {name!r} is used twice (columns {seen[name]} "
                f"and {position}); rename one of them."
            )
        seen[name] = position
    return names


def cell_text(value: object) -> str:
    """A typed cell as text: a date as ISO 8601 ("2019-04-03"; a date-time at midnight is a
    date, otherwise "2019-04-03 14:30:00"), a whole number without ".0", booleans as
    "true"/"false", nothing as "", lists and objects as JSON; strings stripped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)
