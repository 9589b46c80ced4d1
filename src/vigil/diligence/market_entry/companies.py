"""Companies active in a country and sector, as the report lists them: who operates projects
there (the registry) or is named in the register's incidents there, plus the partner
companies the reader asked about; each with its right-of-reply record and its current
HRD-policy score.

Counts of incidents per company and country are a cross-tabulation of the public register:
below the register's smallest publishable cell they are shown as "fewer than N", as every
public count is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.companies.models import Company, Project
from vigil.diligence.policies.scoring import Score, score_of
from vigil.diligence.policies.service import current_assessment
from vigil.public.company_record import ResponseRecord, record_of
from vigil.public.register_models import (
    LabelKind,
    PublicIncident,
    PublicIncidentLabel,
    PublicResponse,
)
from vigil.vocabularies.models import VocabularyTerm

#: At most this many companies are listed (the most-named first); a report is read, not
#: searched.
MAX_COMPANIES = 40


@dataclass
class CompanyLine:
    company_id: int
    name: str
    projects: list[str] = field(default_factory=list)
    #: Register incidents naming the company in the country (and sector); None: suppressed.
    incidents: int | None = 0
    partner: bool = False
    record: ResponseRecord | None = None
    policy: Score | None = None
    policy_assessed_on: date | None = None


def _project_operators(session: Session, country: str, sector: str) -> dict[int, list[str]]:
    rows = session.execute(
        select(Project.operator_id, Project.name)
        .join(VocabularyTerm, VocabularyTerm.id == Project.sector_id)
        .where(
            Project.country == country,
            VocabularyTerm.code == sector,
            Project.operator_id.is_not(None),
        )
        .order_by(Project.name)
    ).all()
    found: dict[int, list[str]] = {}
    for operator_id, name in rows:
        found.setdefault(operator_id, []).append(name)
    return found


def _named_in_register(session: Session, country: str, sector: str) -> dict[int, int]:
    rows = session.execute(
        select(PublicIncidentLabel.code, func.count())
        .join(PublicIncident, PublicIncident.id == PublicIncidentLabel.public_incident_id)
        .where(
            PublicIncidentLabel.kind == LabelKind.company,
            PublicIncident.country == country,
            PublicIncident.sector == sector,
        )
        .group_by(PublicIncidentLabel.code)
    ).all()
    return {int(code): count for code, count in rows if code.isdigit()}


def _complete(session: Session, line: CompanyLine, today: date) -> None:
    responses = list(
        session.scalars(select(PublicResponse).where(PublicResponse.company_id == line.company_id))
    )
    line.record = record_of(responses, today) if responses else None
    assessment = current_assessment(session, company_id=line.company_id)
    if assessment is not None:
        line.policy = score_of(assessment)
        line.policy_assessed_on = assessment.assessed_on


def active_companies(
    session: Session,
    *,
    country: str,
    sector: str,
    partners: Iterable[int] = (),
    min_cell: int,
    today: date,
) -> list[CompanyLine]:
    """The companies the report lists: partners first, then by incidents named, then name."""
    operators = _project_operators(session, country, sector)
    named = _named_in_register(session, country, sector)
    partner_ids = set(partners)
    ids = set(operators) | set(named) | partner_ids
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}
    lines = []
    for company_id, company in companies.items():
        count = named.get(company_id, 0)
        lines.append(
            CompanyLine(
                company_id=company_id,
                name=company.name,
                projects=operators.get(company_id, []),
                incidents=count if count == 0 or count >= min_cell else None,
                partner=company_id in partner_ids,
            )
        )
    lines.sort(key=lambda x: (not x.partner, -named.get(x.company_id, 0), x.name.casefold()))
    lines = lines[:MAX_COMPANIES]
    for line in lines:
        _complete(session, line, today)
    return lines
