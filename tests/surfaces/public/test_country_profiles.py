"""The risk profile on the public country page: every figure with its source and year, demo
values marked, small yearly counts withheld, and the index of profiled countries."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.diligence.countries.support import FILES
from tests.factories import make_org
from tests.public.register_factories import make_public_incident
from vigil.core.db import utcnow
from vigil.diligence.countries.importer import import_country_scores
from vigil.diligence.countries.service import set_country_flag


def section(html: str, element_id: str) -> str:
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}".*?</\1>', html, re.S)
    assert found, element_id
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


@pytest.fixture
def profiled(session):  # type: ignore[no-untyped-def]
    import_country_scores(session, path=FILES / "wjp_historical.csv", source="wjp", is_demo=True)
    import_country_scores(session, path=FILES / "wgi_databank.csv", source="wgi")
    import_country_scores(session, path=FILES / "civic_space.csv", source="civic-space")
    set_country_flag(
        session,
        country="CO",
        flag="hrd_protection_law_or_mechanism",
        status="yes",
        source_name="Decreto 4065 de 2011",
        source_url="https://www.unp.gov.co/",
        year=2011,
    )
    session.commit()


def test_every_figure_has_its_year_and_a_numbered_source(profiled, client):
    page = client.get("/countries/CO")
    assert page.status_code == 200
    wgi = section(page.text, "scores-wgi")
    assert "Rule of law (estimate) -0.46 2023 2022: -0.39 [2]" in wgi
    assert "Voice and accountability (estimate) +0.21 2023 2022: +0.17 [2]" in wgi
    sources = section(page.text, "risk-profile-block").split("Sources", 1)[1]
    assert "1. " not in sources  # an ordered list: the numbers are the list's own
    assert re.search(
        r'<li id="source-2">The World Bank: Worldwide Governance Indicators', page.text
    )
    assert "(licence: CC BY 4.0)" in unescape(page.text)
    assert section(page.text, "civic-space") == "Civic space rating: repressed (2023) [3]"
    flags = section(page.text, "legal-framework")
    assert "National law or mechanism protecting defenders Yes 2011" in flags and "[4]" in flags
    assert 'href="https://www.unp.gov.co/"' in page.text
    assert '<th scope="row">Rule of Law Index: overall score</th>' in page.text


def test_demo_values_are_marked_where_they_are_shown(profiled, client):
    page = client.get("/countries/CO")
    wjp = section(page.text, "scores-wjp")
    assert wjp.count("(demo value)") == 9 + 9  # each latest value and each earlier year
    assert "0.48 (demo value) 2023" in wjp
    assert "(demo value)" not in section(page.text, "scores-wgi")
    assert "Figures marked “demo value” are illustrative" in unescape(page.text)
    peru = client.get("/countries/PE")
    assert "Figures marked" not in unescape(peru.text) or "(demo value)" in peru.text


def test_register_counts_by_year_with_small_years_withheld(session, client, settings):
    org = make_org(session)
    this_year = utcnow().year
    for _ in range(settings.public_min_cell):
        make_public_incident(session, org, country="CO", region="", year=this_year)
    for _ in range(settings.public_min_cell - 1):
        make_public_incident(session, org, country="CO", region="", year=this_year - 1)
    session.commit()
    page = client.get("/countries/CO")
    table = section(page.text, "incidents-by-year")
    assert f"{this_year} {settings.public_min_cell}" in table
    assert f"{this_year - 1} fewer than {settings.public_min_cell}" in table
    trend = section(page.text, "incident-trend")
    assert trend.startswith(f"Trend: rising — {settings.public_min_cell} incidents in")
    assert "No rule-of-law score" in page.text


def test_a_country_without_data_says_so(client):
    page = client.get("/countries/KE")
    assert "No rule-of-law score, civic-space rating or legal-framework information" in page.text
    assert section(page.text, "incident-trend") == "Trend: not enough published incidents to tell."
    assert "Sources" not in section(page.text, "risk-profile-block")


@pytest.mark.parametrize(
    ("locale", "heading", "demo", "rating"),
    [
        ("es", "Perfil de riesgo", "valor de demostración", "reprimido"),
        ("fr", "Profil de risque", "valeur de démonstration", "réprimé"),
        ("pt", "Perfil de risco", "valor de demonstração", "reprimido"),
    ],
)
def test_the_profile_is_translated(profiled, client, locale, heading, demo, rating):
    client.get(f"/language/{locale}?next=/countries/CO")
    page = unescape(client.get("/countries/CO").text)
    assert f'<h2 id="risk-profile">{heading}</h2>' in page
    assert f"({demo})" in page and f"<strong>{rating}</strong>" in page


def test_the_index_lists_profiled_countries_with_or_without_incidents(profiled, session, client):
    make_public_incident(session, make_org(session), country="KE", region="")
    session.commit()
    index = client.get("/countries").text
    assert '<a href="/countries/HN#risk-profile">Risk profile</a>' in index  # scores only
    assert (  # one incident: withheld like any count below VIGIL_PUBLIC_MIN_CELL
        '<a href="/countries/KE">Kenya</a></td><td class="num">fewer than 5</td><td></td>' in index
    )
