"""The shipped reference data: the World Bank WGI table, demo values and cited flags."""

from __future__ import annotations

from sqlalchemy import func, select

from vigil.diligence.countries.models import CountryLegalFlag, CountryScore
from vigil.diligence.countries.reference import load_reference
from vigil.diligence.countries.service import country_profile


def count(session, model, **where):  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_wgi_loads_real_values_without_demo_and_skips_kosovo(session):
    load_reference(session)
    # 202 economies × 9 years, less Kosovo (not in ISO 3166-1) and the 18 years WGI has no
    # voice-and-accountability estimate for.
    assert count(session, CountryScore, indicator="RL.EST") == 201 * 9
    assert count(session, CountryScore, indicator="VA.EST") == 201 * 9 - 18
    assert count(session, CountryScore, is_demo=True) == 0
    assert count(session, CountryLegalFlag, is_demo=True) == 0
    hk = {s.indicator: s for s in country_profile(session, country="HK", min_cell=5).scores["wgi"]}
    assert hk["VA.EST"].latest.year == 2023 and hk["VA.EST"].latest.value == -0.32015
    assert "Gapminder Open Numbers" in hk["VA.EST"].latest.source_name
    assert count(session, CountryScore, source="wjp") == 0


def test_demo_adds_marked_wjp_civic_space_and_unchecked_flags_and_reloads_idempotently(session):
    first = load_reference(session, demo=True)
    assert load_reference(session, demo=True) == first
    assert count(session, CountryScore, source="wjp", is_demo=False) == 0
    assert count(session, CountryScore, source="wjp", country="CO") == 18
    assert count(session, CountryScore, source="civic_space", is_demo=True) == 10
    profile = country_profile(session, country="FR", min_cell=5)
    law = next(f for f in profile.flags if f.flag == "mandatory_hrdd_law")
    assert (law.status, law.year, law.is_demo) == ("yes", 2017, False)
    assert law.source_url.startswith("https://www.legifrance.gouv.fr/")
    escazu = next(
        f
        for f in country_profile(session, country="MX", min_cell=5).flags
        if f.flag == "escazu_party"
    )
    assert (escazu.status, escazu.year, escazu.is_demo) == ("yes", 2021, False)


def test_demo_values_are_credited_to_the_demo_set_not_to_the_index(session):
    load_reference(session, demo=True)
    profile = country_profile(session, country="CO", min_cell=5)
    overall = profile.scores["wjp"][0].latest
    assert overall.is_demo and overall.source_name.startswith("Vigil demo set")
    assert overall.source_url == "" and overall.licence == ""
    assert profile.civic_space.source_name.startswith("Vigil demo set")
