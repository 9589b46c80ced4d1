"""What the market-entry report (and any page outside the recording organisation) reads of
the directory: published initiatives only, with public fields only. The directory contact an
organisation keeps for an initiative is a person in its own address book and never leaves it;
the public route is the initiative's website and e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from vigil.diligence.collective.models import Initiative
from vigil.diligence.collective.service import covering, interventions, members, scope_of
from vigil.organisations.models import Organisation


@dataclass(frozen=True)
class PublicMember:
    company_id: int
    name: str
    role: str
    since: date | None


@dataclass(frozen=True)
class PublicIntervention:
    occurred_on: date
    country: str
    action: str
    outcome: str
    source_url: str


@dataclass(frozen=True)
class InitiativeSummary:
    id: int
    name: str
    kind: str
    convenor: str
    description: str
    website: str
    email: str
    countries: list[str]
    sectors: list[str]
    members: list[PublicMember]
    interventions: list[PublicIntervention]
    recorded_by: str


def summary_of(session: Session, row: Initiative) -> InitiativeSummary:
    countries, sectors = scope_of(session, row.id)
    organisation = session.get(Organisation, row.organisation_id)
    return InitiativeSummary(
        id=row.id,
        name=row.name,
        kind=row.kind,
        convenor=row.convenor,
        description=row.description,
        website=row.website,
        email=row.email,
        countries=countries,
        sectors=sectors,
        members=[
            PublicMember(c.id, c.name, m.role, m.since)
            for m, c in members(session, initiative_id=row.id)
        ],
        interventions=[
            PublicIntervention(i.occurred_on, i.country, i.action, i.outcome, i.source_url)
            for i in interventions(session, initiative_id=row.id)
        ],
        recorded_by=organisation.name if organisation else "",
    )


def initiatives_covering(
    session: Session, *, country: str, sector: str | None
) -> list[InitiativeSummary]:
    """Published initiatives of every organisation whose scope covers ``country`` (ISO
    alpha-2) and ``sector`` (a ``sector`` vocabulary code; None: any), by name."""
    query = covering(country.upper(), sector).where(Initiative.published.is_(True))
    rows = session.scalars(query.order_by(Initiative.name, Initiative.id))
    return [summary_of(session, row) for row in rows]
