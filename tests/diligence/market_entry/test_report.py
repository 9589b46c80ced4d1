"""The pre-market-entry report: every section present, every figure footnoted with a source
that exists, demo values marked, small counts never shown, nothing but public data."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.public.open_data_rows import RegisterRows
from vigil.core.errors import Invalid, NotFound
from vigil.diligence.countries.service import set_country_flag
from vigil.diligence.market_entry.questions import QUESTIONS
from vigil.diligence.market_entry.render import render_html
from vigil.diligence.market_entry.report import build_market_entry

TODAY = date(2026, 12, 7)


def _report(session, country="CO", sector="mining", **kw):  # type: ignore[no-untyped-def]
    return build_market_entry(
        session, country=country, sector=sector, locale="en", min_cell=5, today=TODAY, **kw
    )


def test_the_demo_report_has_every_section_and_every_figure_a_source(demo_data, session):
    report = _report(session)
    html = render_html(report, locale="en")
    for number in range(1, 9):
        assert re.search(rf'<h2 id="[a-z]+">{number}\. ', html), number
    assert report.scores and report.protection and report.companies
    cited = {int(n) for n in re.findall(r'href="#source-(\d+)"', html)}
    listed = {int(n) for n in re.findall(r'<li id="source-(\d+)"', html)}
    assert cited and cited == listed == {s.number for s in report.footnotes.sources}
    for figure in report.scores + report.framework + report.protection:
        source = report.footnotes.sources[figure.note - 1]
        assert source.name and figure.year
        assert figure.demo == source.is_demo
    assert any("World Bank" in s.name and not s.is_demo for s in report.footnotes.sources)
    assert "(demo value)" in html  # the demo WJP values say so on the figure
    assert all(question in html for question in QUESTIONS[:3])
    assert "Minera Andina del Cauca" in html  # the demo operator of a gold mine in Cauca


def test_a_count_below_the_smallest_cell_is_never_shown(session, vault):
    rows = RegisterRows(session, vault)
    for _ in range(4):
        rows.add(country="PE", region="PE-CUS", sector="mining")
    report = _report(session, country="PE")
    assert report.sector_incidents is None
    assert "Incidents linked to this sector: fewer than 5." in render_html(report, locale="en")
    rows.add(country="PE", region="PE-CUS", sector="mining")
    report = _report(session, country="PE")
    assert report.sector_incidents == 5
    assert "Incidents linked to this sector: 5." in render_html(report, locale="en")


def test_a_flag_is_cited_with_its_source_and_year(session):
    set_country_flag(
        session,
        country="PE",
        flag="mandatory_hrdd_law",
        status="no",
        source_name="Example law review",
        source_url="https://law.example/pe",
        year=2025,
    )
    report = _report(session, country="PE")
    (figure,) = report.framework
    source = report.footnotes.sources[figure.note - 1]
    assert (source.name, source.year, source.url) == (
        "Example law review",
        2025,
        "https://law.example/pe",
    )
    html = render_html(report, locale="en")
    assert "https://law.example/pe" in html and "Mandatory human-rights due-diligence law" in html


def test_the_same_source_is_numbered_once(session):
    for flag in ("mandatory_hrdd_law", "anti_slapp_protection"):
        set_country_flag(
            session, country="PE", flag=flag, status="no", source_name="Review", year=2024
        )
    report = _report(session, country="PE")
    assert len({figure.note for figure in report.framework}) == 1


@pytest.mark.parametrize(
    ("country", "sector", "error"),
    [("CO", "no-such-sector", Invalid), ("XX", "mining", NotFound)],
)
def test_an_unknown_country_or_sector_is_a_clear_error(session, country, sector, error):
    with pytest.raises(error):
        _report(session, country=country, sector=sector)


def test_a_project_of_another_country_is_refused(demo_data, session):
    from sqlalchemy import select

    from vigil.companies.models import Project

    project = session.scalars(select(Project).where(Project.country == "CO")).first()
    assert _report(session, project_id=project.id).project == project
    with pytest.raises(NotFound):
        _report(session, country="PE", project_id=project.id)


@pytest.mark.parametrize(
    ("locale", "heading"),
    [("es", "Fuentes"), ("fr", "Sources"), ("pt", "Fontes")],
)
def test_the_report_speaks_every_language(session, locale, heading):
    html = render_html(_report(session, country="PE"), locale=locale)
    assert f'<html lang="{locale}">' in html
    assert f'<h2 id="sources">{heading}</h2>' in html
