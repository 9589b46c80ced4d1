"""Numbers typed by people: ages. A plausible age is 0 to 120 years; "4145" is a typo to show
the user, not a value to store. Empty cells and the usual "unknown" markers are no age."""

from __future__ import annotations

import re

from vigil.imports.values import ValueProblem

__all__ = ["MAX_AGE", "ValueProblem", "parse_age"]

MAX_AGE = 120
#: What sources write for "not known" in the project's languages (compared lower-cased).
UNKNOWN = frozenset(
    {
        "?",
        "-",
        "--",
        "n/a",
        "na",
        "n.a.",
        "nd",
        "n/d",
        "s/d",
        "s.d.",
        "sd",
        "unknown",
        "desconocido",
        "desconocida",
        "sin dato",
        "sin datos",
        "inconnu",
        "inconnue",
        "desconhecido",
        "desconhecida",
        "sem dados",
    }
)
#: A whole number, perhaps "34.0" from a spreadsheet, perhaps followed by a unit word
#: ("34 años", "34 years", "34 ans", "34 anos").
_AGE = re.compile(r"(\d{1,6})(?:[.,]0+)?\s*(?:[^\W\d_]+\.?)?", re.UNICODE)


def parse_age(value: str | int | float | None) -> int | ValueProblem | None:
    """The age in whole years; ``None`` for an empty cell or an "unknown" marker; a
    ``ValueProblem`` for anything else that is not a plausible age (a fraction, a range,
    a negative number, more than ``MAX_AGE``)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    if not text or text.casefold() in UNKNOWN:
        return None
    match = _AGE.fullmatch(text)
    if match is None:
        return ValueProblem(f"{text!r} is not an age in whole years.")
    age = int(match.group(1))
    if age > MAX_AGE:
        return ValueProblem(f"{text!r} is not a plausible age (0 to {MAX_AGE} years).")
    return age
