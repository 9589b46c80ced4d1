"""Ages: plausible whole years, empty or unknown as no age, anything else a problem."""

from __future__ import annotations

import pytest

from vigil.imports.values import ValueProblem
from vigil.imports.values.numbers import MAX_AGE, parse_age


@pytest.mark.parametrize(
    ("value", "age"),
    [
        ("34", 34),
        (" 34 ", 34),
        ("34.0", 34),
        (34.0, 34),
        (34, 34),
        ("34 años", 34),
        ("34 years", 34),
        ("0", 0),
        (str(MAX_AGE), MAX_AGE),
    ],
)
def test_a_plausible_age_is_read(value: object, age: int) -> None:
    assert parse_age(value) == age


@pytest.mark.parametrize("value", ["", "   ", None, "?", "N/A", "desconocido", "Inconnu", "s/d"])
def test_an_empty_or_unknown_age_is_no_age(value: object) -> None:
    assert parse_age(value) is None


@pytest.mark.parametrize(
    "value", ["4145", str(MAX_AGE + 1), "-3", "30-35", "3.5", "treinta", "34 35", 4145.0]
)
def test_an_impossible_age_is_a_problem_saying_why(value: object) -> None:
    result = parse_age(value)
    assert isinstance(result, ValueProblem)
    assert repr(str(value).strip()) in result.message or str(int(value)) in result.message
