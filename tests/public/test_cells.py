"""Minimum cell size over several dimensions (pure: no database), and a brute-force check
that no withheld cell can be worked out from the published numbers."""

from __future__ import annotations

import random

import pytest

from vigil.public.cells import UNKNOWN, Axis, Countable, suppress_small_cells
from vigil.public.publication import AXES

MIN = 5


def _incidents(*groups: tuple[int, dict]) -> dict[int, Countable]:  # type: ignore[type-arg]
    """(how many, values) groups -> numbered incidents with all five dimensions."""
    defaults = {
        "country": "PE",
        "year": "2026",
        "sector": "mining",
        "attack_type": {"death_threat"},
        "gender": {"woman"},
    }
    made: dict[int, Countable] = {}
    for count, values in groups:
        for _ in range(count):
            made[len(made) + 1] = Countable.of(**{**defaults, **values})
    return made


def _publish(incidents: dict[int, Countable]):  # type: ignore[no-untyped-def]
    return suppress_small_cells(incidents, axes=AXES, min_cell=MIN)


@pytest.mark.parametrize("dimension", ["year", "sector"])
@pytest.mark.parametrize(("small", "shown"), [(MIN - 1, False), (MIN, True)])
def test_a_single_valued_cell_at_the_edge(dimension, small, shown):
    other = {"year": "2019", "sector": "logging"}[dimension]
    published = _publish(_incidents((MIN, {}), (small, {dimension: other})))

    assert published.tables[dimension][other] == (small if shown else None)
    assert published.total == MIN + (small if shown else 0)
    # The withheld incidents are in no other number: Peru is the sum of what is shown.
    assert published.tables["country"] == {"PE": published.total}


@pytest.mark.parametrize(("small", "shown"), [(MIN - 1, False), (MIN, True)])
def test_a_gender_cell_at_the_edge_and_its_lone_incidents_leave_every_number(small, shown):
    published = _publish(_incidents((MIN, {}), (small, {"gender": {"non_binary"}})))

    assert published.tables["gender"] == {
        "woman": MIN,
        "non_binary": small if shown else None,
    }
    assert published.total == MIN + (small if shown else 0)
    assert published.tables["year"] == {"2026": published.total}


def test_differencing_year_against_country_recovers_nothing():
    """Peru: 5 in 2026 and 1 in 2019. Publishing Peru = 6 beside 2026 = 5 would give away the
    lone 2019 incident (6 − 5); it is left out of Peru and of the total instead."""
    published = _publish(_incidents((MIN, {}), (1, {"year": "2019"})))

    assert published.tables["year"] == {"2026": MIN, "2019": None}
    assert published.tables["country"] == {"PE": MIN}
    assert published.total == MIN
    assert published.tables["sector"] == {"mining": MIN}
    assert published.tables["attack_type"] == {"death_threat": MIN}
    assert published.tables["gender"] == {"woman": MIN}


def test_withholding_cascades_across_dimensions():
    """Colombia has 5, but one is the lone mining-in-2019 case of the sector "logging": once
    it is gone, Colombia has 4 and is withheld too, and so are its year and sector cells."""
    published = _publish(
        _incidents(
            (MIN, {"country": "PE"}),
            (MIN - 1, {"country": "CO", "year": "2025"}),
            (1, {"country": "CO", "year": "2025", "sector": "logging"}),
        )
    )
    assert published.tables["country"] == {"PE": MIN, "CO": None}
    assert published.tables["sector"] == {"mining": MIN, "logging": None}
    assert published.tables["year"] == {"2026": MIN, "2025": None}
    assert published.total == MIN


def test_a_multi_valued_incident_stays_counted_through_its_shown_value():
    published = _publish(_incidents((MIN, {}), (1, {"attack_type": {"death_threat", "torture"}})))
    assert published.tables["attack_type"] == {"death_threat": MIN + 1, "torture": None}
    assert published.total == MIN + 1


def test_unrecorded_values_are_a_cell_of_their_own_last_and_withheld_when_small():
    incidents = _incidents((MIN, {}), (MIN - 1, {"sector": None, "gender": ()}))
    published = _publish(incidents)
    assert published.tables["sector"] == {"mining": MIN, UNKNOWN: None}
    assert published.total == MIN

    published = _publish(_incidents((MIN, {}), (MIN + 1, {"sector": None})))
    assert list(published.tables["sector"]) == ["mining", UNKNOWN]
    assert published.tables["sector"][UNKNOWN] == MIN + 1


def test_years_are_in_order_and_other_tables_by_count():
    published = _publish(
        _incidents(
            (MIN + 2, {"year": "2024", "attack_type": {"killing"}}),
            (MIN, {"year": "2026"}),
            (MIN + 1, {"year": "2025", "attack_type": {"torture"}}),
            (1, {"year": "2019"}),
        )
    )
    assert list(published.tables["year"].items()) == [
        ("2019", None),
        ("2024", MIN + 2),
        ("2025", MIN + 1),
        ("2026", MIN),
    ]
    assert list(published.tables["attack_type"]) == ["killing", "torture", "death_threat"]


def _random_incidents(rng: random.Random, n: int) -> dict[int, Countable]:
    made = {}
    for i in range(n):
        made[i] = Countable.of(
            country=rng.choice("ABC"),
            year=rng.choice(["2024", "2025"]),
            sector=rng.choice(["mining", None]),
            attack_type=set(rng.sample(["t1", "t2", "t3"], rng.randint(1, 2))),
            gender=set(rng.sample(["woman", "man"], rng.randint(0, 2))),
        )
    return made


@pytest.mark.parametrize("seed", range(40))
def test_no_withheld_cell_changes_any_published_number(seed):
    """Brute force: adding one more incident to a cell that stays withheld changes nothing
    published, on any dimension, so no sum or difference can measure that cell."""
    rng = random.Random(seed)
    incidents = _random_incidents(rng, rng.randint(8, 40))
    before = _publish(incidents)
    shown_sums_match = [
        sum(n for n in before.tables[axis.name].values() if n is not None) == before.total
        for axis in AXES
        if not axis.multi_valued
    ]
    assert all(shown_sums_match)
    for name, table in before.tables.items():
        multi = next(axis.multi_valued for axis in AXES if axis.name == name)
        for code, count in table.items():
            if count is not None:
                continue
            # One more incident whose only value on this dimension is the withheld one.
            donor = next(item for item in incidents.values() if code in item.values[name])
            extra = Countable(values={**donor.values, name: frozenset([code])})
            changed = [{**incidents, -1: extra}]
            if multi:  # or a counted incident that also has the withheld value
                first = next(iter(incidents))
                values = incidents[first].values
                grown = Countable(values={**values, name: values[name] | {code}})
                changed.append({**incidents, first: grown})
            for variant in changed:
                after = _publish(variant)
                if after.tables[name][code] is None:
                    assert after.total == before.total
                    assert after.tables == before.tables


def test_every_shown_number_is_at_least_min_cell():
    rng = random.Random(7)
    published = suppress_small_cells(_random_incidents(rng, 60), axes=AXES, min_cell=MIN)
    for table in published.tables.values():
        assert all(n is None or n >= MIN for n in table.values())


def test_axes_can_be_chosen():
    incidents = {1: Countable.of(colour="red"), 2: Countable.of(colour="red")}
    published = suppress_small_cells(incidents, axes=[Axis("colour")], min_cell=2)
    assert published.tables == {"colour": {"red": 2}}
    assert suppress_small_cells(incidents, axes=[Axis("colour")], min_cell=3).total == 0
