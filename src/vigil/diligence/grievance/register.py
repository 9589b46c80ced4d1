"""What is read of grievance mechanisms outside the organisation that records them (public
pages, the market-entry report): published mechanisms only, public fields only. The assessor
of a rating is a staff member: outside, an assessment is signed by the organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vigil.companies.models import Company
from vigil.core.errors import NotFound
from vigil.diligence.collective.models import Initiative
from vigil.diligence.grievance.models import (
    Mechanism,
    MechanismCountry,
    MechanismSector,
    MechanismStatistic,
)
from vigil.diligence.grievance.service import assessments, mechanism_scope, statistics
from vigil.diligence.scope import covers
from vigil.organisations.models import Organisation


@dataclass(frozen=True)
class PublicRating:
    criterion: str
    rating: str
    excerpt: str
    evidence_url: str


@dataclass(frozen=True)
class PublicAssessment:
    assessed_on: date
    ratings: list[PublicRating]


@dataclass(frozen=True)
class MechanismSummary:
    id: int
    name: str
    kind: str
    owner: str
    procedures: str
    languages: list[str]
    channels: list[str]
    accepts_anonymous: bool | None
    website: str
    countries: list[str]
    sectors: list[str]
    statistics: list[MechanismStatistic]
    #: The latest assessment against UNGP 31, if any.
    assessment: PublicAssessment | None
    recorded_by: str


def owner_name(session: Session, row: Mechanism) -> str:
    """Whose mechanism it is, as a reader should see it: the registry company's name, the
    initiative's (only if it is published too), or the institution as written."""
    if row.owner_company_id is not None:
        company = session.get(Company, row.owner_company_id)
        if company is not None:
            return company.name
    if row.owner_initiative_id is not None:
        initiative = session.get(Initiative, row.owner_initiative_id)
        if initiative is not None and (initiative.published or not row.published):
            return initiative.name
    return row.owner_institution


def summary_of(session: Session, row: Mechanism) -> MechanismSummary:
    countries, sectors = mechanism_scope(session, row.id)
    history = assessments(session, mechanism_id=row.id)
    latest = None
    if history:
        assessment, ratings = history[0]
        latest = PublicAssessment(
            assessment.assessed_on,
            [
                PublicRating(r.criterion, r.rating, r.excerpt, r.evidence_url)
                for r in ratings.values()
            ],
        )
    organisation = session.get(Organisation, row.organisation_id)
    return MechanismSummary(
        id=row.id,
        name=row.name,
        kind=row.kind,
        owner=owner_name(session, row),
        procedures=row.procedures,
        languages=row.languages.split(),
        channels=row.channels.split(),
        accepts_anonymous=row.accepts_anonymous,
        website=row.website,
        countries=countries,
        sectors=sectors,
        statistics=statistics(session, mechanism_id=row.id),
        assessment=latest,
        recorded_by=organisation.name if organisation else "",
    )


def _published(country: str | None, sector: str | None, kind: str | None) -> Select:
    query = select(Mechanism).where(Mechanism.published.is_(True))
    if country:
        query = query.where(
            covers(Mechanism.id, MechanismCountry.mechanism_id, MechanismCountry.country, country)
        )
    if sector:
        query = query.where(
            covers(Mechanism.id, MechanismSector.mechanism_id, MechanismSector.sector, sector)
        )
    if kind:
        query = query.where(Mechanism.kind == kind)
    return query.order_by(Mechanism.name, Mechanism.id)


def published_mechanisms(
    session: Session, *, country: str | None = None, kind: str | None = None
) -> list[MechanismSummary]:
    """The public list, filtered by the country a mechanism covers and by its kind."""
    rows = session.scalars(_published(country.upper() if country else None, None, kind))
    return [summary_of(session, row) for row in rows]


def published_mechanism(session: Session, *, mechanism_id: int) -> MechanismSummary:
    row = session.get(Mechanism, mechanism_id)
    if row is None or not row.published:
        raise NotFound("No such mechanism.")
    return summary_of(session, row)


def mechanisms_for(
    session: Session, *, country: str, sector: str | None = None
) -> list[MechanismSummary]:
    """Published mechanisms of every organisation a complaint from ``country`` (ISO alpha-2)
    about ``sector`` (a vocabulary code; None: any) could go to, by name."""
    rows = session.scalars(_published(country.upper(), sector, None))
    return [summary_of(session, row) for row in rows]
