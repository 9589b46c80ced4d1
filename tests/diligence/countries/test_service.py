"""A country's risk profile: scores with their sources, flags, and the register's counts
with small years withheld."""

from __future__ import annotations

from datetime import date

import pytest

from tests.diligence.countries.support import FILES
from tests.factories import make_org
from tests.public.register_factories import make_public_incident
from vigil.core.errors import Invalid, NotFound
from vigil.diligence.countries.importer import import_country_scores
from vigil.diligence.countries.profile import YearCount
from vigil.diligence.countries.service import (
    country_profile,
    profiled_countries,
    set_country_flag,
    trend_of,
)

TODAY = date(2026, 6, 1)
MIN_CELL = 3


def incidents(session, org, year: int, n: int, country: str = "CO") -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        make_public_incident(session, org, country=country, region="", year=year)


def test_counts_per_year_withhold_years_under_min_cell_at_the_edge(session):
    org = make_org(session)
    incidents(session, org, 2026, MIN_CELL)  # shown: exactly min_cell
    incidents(session, org, 2025, MIN_CELL - 1)  # withheld: one fewer
    incidents(session, org, 2016, 9)  # eleven years ago: outside the profile
    incidents(session, org, 2026, 4, country="PE")  # another country
    profile = country_profile(session, country="co", min_cell=MIN_CELL, today=TODAY)
    by_year = {y.year: y.count for y in profile.incidents_by_year}
    assert list(by_year) == list(range(2017, 2027))
    assert by_year[2026] == MIN_CELL
    assert by_year[2025] is None
    assert by_year[2024] == 0
    # The withheld year enters no number: the trend counts the shown 3 only.
    assert (profile.trend.recent, profile.trend.previous) == (MIN_CELL, 0)
    assert profile.trend.recent_years == (2024, 2026)
    assert profile.trend.direction == "rising"


def test_trend_compares_the_last_three_years_with_the_three_before(session):
    org = make_org(session)
    for year, n in ((2021, 5), (2022, 5), (2023, 5), (2024, 3), (2025, 3), (2026, 3)):
        incidents(session, org, year, n)
    trend = country_profile(session, country="CO", min_cell=MIN_CELL, today=TODAY).trend
    assert (trend.recent, trend.previous, trend.direction) == (9, 15, "falling")
    assert trend.previous_years == (2021, 2023)


@pytest.mark.parametrize(
    ("previous", "recent", "direction"),
    [
        (0, 0, "unknown"),
        (8, 10, "stable"),
        (8, 11, "rising"),
        (10, 8, "stable"),
        (10, 7, "falling"),
    ],
)
def test_trend_directions(previous, recent, direction):
    years = [YearCount(2017 + n, 0) for n in range(4)]
    years += [YearCount(2021, previous), YearCount(2022, 0), YearCount(2023, 0)]
    years += [YearCount(2024, recent), YearCount(2025, None), YearCount(2026, 0)]
    assert trend_of(years).direction == direction


def test_scores_latest_with_history_and_civic_space(session):
    import_country_scores(session, path=FILES / "wjp_historical.csv", source="wjp")
    import_country_scores(
        session, path=FILES / "ddf--datapoints--rl_est--by--geo--time.csv", source="wgi"
    )
    import_country_scores(
        session, path=FILES / "civic_space.csv", source="civic-space", is_demo=True
    )
    profile = country_profile(session, country="CO", min_cell=MIN_CELL, today=TODAY)
    wjp = {s.indicator: s for s in profile.scores["wjp"]}
    assert list(wjp) == ["overall", *(f"factor_{n}" for n in range(1, 9))]
    assert (wjp["overall"].latest.year, wjp["overall"].latest.value) == (2023, 0.48)
    assert [v.year for v in wjp["overall"].history] == [2023, 2013]
    rl = profile.scores["wgi"][0]
    assert (rl.indicator, rl.latest.value, rl.latest.licence) == ("RL.EST", -0.45827, "CC BY 4.0")
    assert profile.civic_space_rating == "repressed" and profile.civic_space.year == 2023
    assert profile.civic_space.is_demo and profile.has_demo_values
    assert "civic_space" not in profile.scores
    assert profiled_countries(session) == {"CO", "PE"}


def test_flags_need_a_source_and_replace_each_other(session):
    set_country_flag(
        session, country="mx", flag="escazu_party", status="pending", source_name="UNTC", year=2018
    )
    set_country_flag(
        session,
        country="MX",
        flag="escazu_party",
        status="yes",
        source_name="UNTC",
        year=2021,
        source_url="https://treaties.un.org/",
        note="Ratified.",
    )
    set_country_flag(
        session, country="MX", flag="mandatory_hrdd_law", status="no", source_name="Law list"
    )
    flags = country_profile(session, country="MX", min_cell=MIN_CELL, today=TODAY).flags
    assert [(f.flag, f.status, f.year) for f in flags] == [
        ("mandatory_hrdd_law", "no", None),
        ("escazu_party", "yes", 2021),
    ]
    with pytest.raises(Invalid, match="needs its source"):
        set_country_flag(session, country="MX", flag="escazu_party", status="yes", source_name=" ")
    with pytest.raises(Invalid, match="Unknown legal-framework flag"):
        set_country_flag(session, country="MX", flag="escazu", status="yes", source_name="x")
    with pytest.raises(Invalid, match="Unknown status"):
        set_country_flag(
            session, country="MX", flag="escazu_party", status="maybe", source_name="x"
        )


def test_unknown_country_is_not_found_and_an_empty_one_is_an_empty_profile(session):
    with pytest.raises(NotFound):
        country_profile(session, country="XK", min_cell=MIN_CELL)
    empty = country_profile(session, country="KE", min_cell=MIN_CELL, today=TODAY)
    assert not empty.has_reference_data and empty.flags == [] and empty.civic_space is None
    assert {y.count for y in empty.incidents_by_year} == {0}
    assert empty.trend.direction == "unknown"
