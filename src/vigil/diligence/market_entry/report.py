"""Assembling the pre-market-entry report: one call, every section, every figure footnoted.

The report reads only what is public: the country profile (reference data with sources), the
de-identified register (counts with small cells suppressed), published SLAPP cases,
mechanisms, initiatives and policy assessments. So the same report may be handed to anyone,
and no defender is exposed by a company's research."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.companies.models import Project
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.diligence.collective.directory import InitiativeSummary, initiatives_covering
from vigil.diligence.countries.indicators import (
    BY_KEY,
    CIVIC_SPACE_LABELS,
    FLAG_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
)
from vigil.diligence.countries.profile import CountryProfile, ScoreValue, YearCount
from vigil.diligence.countries.service import country_profile
from vigil.diligence.grievance.register import MechanismSummary, mechanisms_for
from vigil.diligence.market_entry.companies import CompanyLine, active_companies
from vigil.diligence.market_entry.questions import QUESTIONS
from vigil.diligence.market_entry.sources import Footnotes
from vigil.diligence.slapp.register import PublicLawsuit, slapp_cases_for
from vigil.public.register_models import PublicIncident
from vigil.vocabularies.models import VocabularyTerm

#: Flags of the legal framework a company operates under, and those about defenders.
FRAMEWORK_FLAGS = ("mandatory_hrdd_law", "nbap_business_human_rights", "anti_slapp_protection")
PROTECTION_FLAGS = ("hrd_protection_law_or_mechanism", "escazu_party")
REGISTER_SOURCE = "Vigil public register (de-identified)"


@dataclass(frozen=True)
class Figure:
    """One sourced value: what it measures, the value, its year and its footnote."""

    label: str
    value: str
    year: int | None
    note: int
    demo: bool = False


@dataclass
class MarketEntryReport:
    country: str
    sector: str
    sector_label: str
    generated_on: date
    profile: CountryProfile
    footnotes: Footnotes
    scores: list[Figure] = field(default_factory=list)
    framework: list[Figure] = field(default_factory=list)
    protection: list[Figure] = field(default_factory=list)
    register_note: int = 0
    incidents_by_year: list[YearCount] = field(default_factory=list)
    sector_incidents: int | None = 0
    companies: list[CompanyLine] = field(default_factory=list)
    project: Project | None = None
    lawsuits: list[PublicLawsuit] = field(default_factory=list)
    mechanisms: list[MechanismSummary] = field(default_factory=list)
    initiatives: list[InitiativeSummary] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


def _score_figure(notes: Footnotes, source: str, value: ScoreValue) -> Figure:
    indicator = BY_KEY.get((source, value.indicator))
    label = gettext(indicator.label) if indicator else value.indicator
    note = notes.cite(
        value.source_name or gettext(SOURCE_LABELS.get(source, source)),
        year=value.year,
        url=value.source_url,
        demo=value.is_demo,
    )
    return Figure(label, f"{value.value:.2f}", value.year, note, value.is_demo)


def _scores(report: MarketEntryReport) -> None:
    for source, series in report.profile.scores.items():
        for one in series:
            report.scores.append(_score_figure(report.footnotes, source, one.latest))


def _flags(report: MarketEntryReport) -> None:
    for flag in report.profile.flags:
        note = report.footnotes.cite(
            flag.source_name, year=flag.year, url=flag.source_url, demo=flag.is_demo
        )
        status = gettext(STATUS_LABELS.get(flag.status, flag.status))
        value = f"{status} — {flag.note}" if flag.note else status
        figure = Figure(
            gettext(FLAG_LABELS.get(flag.flag, flag.flag)), value, flag.year, note, flag.is_demo
        )
        if flag.flag in PROTECTION_FLAGS:
            report.protection.append(figure)
        elif flag.flag in FRAMEWORK_FLAGS:
            report.framework.append(figure)
    civic = report.profile.civic_space
    if civic is not None and report.profile.civic_space_rating:
        note = report.footnotes.cite(
            civic.source_name or gettext("Civic space"),
            year=civic.year,
            url=civic.source_url,
            demo=civic.is_demo,
        )
        rating = gettext(CIVIC_SPACE_LABELS[report.profile.civic_space_rating])
        report.protection.insert(
            0, Figure(gettext("Civic space rating"), rating, civic.year, note, civic.is_demo)
        )


def _sector(session: Session, sector: str, locale: str) -> str:
    term = session.scalar(
        select(VocabularyTerm).where(
            VocabularyTerm.vocabulary == "sector", VocabularyTerm.code == sector
        )
    )
    if term is None:
        raise Invalid(gettext("Unknown sector: %(code)s.") % {"code": sector})
    return term.label(locale)


def _sector_count(session: Session, country: str, sector: str, min_cell: int) -> int | None:
    count = (
        session.scalar(
            select(func.count())
            .select_from(PublicIncident)
            .where(PublicIncident.country == country, PublicIncident.sector == sector)
        )
        or 0
    )
    return count if count == 0 or count >= min_cell else None


def _project(session: Session, project_id: int | None, country: str) -> Project | None:
    if project_id is None:
        return None
    project = session.get(Project, project_id)
    if project is None or project.country != country:
        raise NotFound(gettext("No such project in this country."))
    return project


def build_market_entry(
    session: Session,
    *,
    country: str,
    sector: str,
    locale: str,
    min_cell: int,
    today: date,
    project_id: int | None = None,
    partners: Iterable[int] = (),
) -> MarketEntryReport:
    """The report for ``country`` (ISO alpha-2) and ``sector`` (a sector code); ``Invalid``
    or ``NotFound`` for an unknown country, sector or project."""
    sector_label = _sector(session, sector, locale)
    profile = country_profile(session, country=country, min_cell=min_cell, today=today)
    code = profile.country
    report = MarketEntryReport(
        country=code,
        sector=sector,
        sector_label=sector_label,
        generated_on=today,
        profile=profile,
        footnotes=Footnotes(),
        project=_project(session, project_id, code),
    )
    _scores(report)
    _flags(report)
    report.register_note = report.footnotes.cite(gettext(REGISTER_SOURCE), year=today.year)
    report.incidents_by_year = profile.incidents_by_year
    report.sector_incidents = _sector_count(session, code, sector, min_cell)
    report.companies = active_companies(
        session, country=code, sector=sector, partners=partners, min_cell=min_cell, today=today
    )
    report.lawsuits = slapp_cases_for(session, country=code, sector=sector)
    report.mechanisms = mechanisms_for(session, country=code, sector=sector)
    report.initiatives = initiatives_covering(session, country=code, sector=sector)
    report.questions = [gettext(question) for question in QUESTIONS]
    return report
