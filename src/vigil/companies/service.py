"""Registry rules: idempotent upserts keyed on stable external keys (demo keys today,
FollowTheMoney entity ids with the import issue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.models import (
    Company,
    CompanyIdentifier,
    CompanyName,
    CompanyRelationship,
    FpicStatus,
    IdentifierScheme,
    NameKind,
    Project,
    RelationshipKind,
)
from vigil.companies.matching import name_key
from vigil.core.errors import Invalid, NotFound
from vigil.vocabularies.service import get_term


@dataclass(frozen=True)
class CompanyIn:
    key: str
    name: str
    legal_form: str | None = None
    jurisdiction: str | None = None
    actor_kind: str = "company"
    website: str | None = None
    sectors: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def get_company_by_key(session: Session, *, key: str) -> Company:
    company = session.scalar(select(Company).where(Company.key == key))
    if company is None:
        raise NotFound(f"No company with key {key!r}.")
    return company


def upsert_company(session: Session, *, data: CompanyIn) -> tuple[Company, bool]:
    """Create the company if its key is new; return it and whether it was created."""
    company = session.scalar(select(Company).where(Company.key == data.key))
    if company is not None:
        return company, False
    for scheme, _value in data.identifiers:
        if scheme not in IdentifierScheme.__members__:
            raise Invalid(f"Unknown identifier scheme {scheme!r}.")
    company = Company(
        key=data.key,
        name=data.name,
        legal_form=data.legal_form,
        jurisdiction=data.jurisdiction,
        actor_kind=data.actor_kind,
        website=data.website,
        sectors=[get_term(session, vocabulary="sector", code=code) for code in data.sectors],
        names=[CompanyName(name=data.name, kind=NameKind.primary, normalized=name_key(data.name))]
        + [
            CompanyName(name=alias, kind=NameKind.alias, normalized=name_key(alias))
            for alias in data.aliases
        ],
        identifiers=[CompanyIdentifier(scheme=s, value=v) for s, v in data.identifiers],
    )
    session.add(company)
    session.flush()
    return company, True


@dataclass(frozen=True)
class ProjectIn:
    key: str
    name: str
    kind: str
    country: str
    region: str | None = None
    operator_key: str | None = None
    sector: str | None = None
    fpic_status: str = FpicStatus.unknown


def upsert_project(session: Session, *, data: ProjectIn) -> tuple[Project, bool]:
    project = session.scalar(select(Project).where(Project.key == data.key))
    if project is not None:
        return project, False
    if data.fpic_status not in FpicStatus.__members__:
        raise Invalid(f"Unknown FPIC status {data.fpic_status!r}.")
    project = Project(
        key=data.key,
        name=data.name,
        kind=data.kind,
        country=data.country,
        region=data.region,
        operator=get_company_by_key(session, key=data.operator_key) if data.operator_key else None,
        sector=get_term(session, vocabulary="sector", code=data.sector) if data.sector else None,
        fpic_status=data.fpic_status,
    )
    session.add(project)
    session.flush()
    return project, True


@dataclass(frozen=True)
class RelationshipIn:
    key: str
    kind: str
    from_company_key: str
    to_company_key: str | None = None
    to_project_key: str | None = None
    to_country: str | None = None
    percentage: float | None = None
    tier: int | None = None
    source: str = ""
    start_date: date | None = None
    end_date: date | None = None


def upsert_relationship(
    session: Session, *, data: RelationshipIn
) -> tuple[CompanyRelationship, bool]:
    edge = session.scalar(select(CompanyRelationship).where(CompanyRelationship.key == data.key))
    if edge is not None:
        return edge, False
    if data.kind not in RelationshipKind.__members__:
        raise Invalid(f"Unknown relationship kind {data.kind!r}.")
    targets = [t for t in (data.to_company_key, data.to_project_key, data.to_country) if t]
    if len(targets) != 1:
        raise Invalid("A relationship needs exactly one target: company, project or country.")
    to_project = None
    if data.to_project_key:
        to_project = session.scalar(select(Project).where(Project.key == data.to_project_key))
        if to_project is None:
            raise NotFound(f"No project with key {data.to_project_key!r}.")
    edge = CompanyRelationship(
        key=data.key,
        kind=data.kind,
        from_company=get_company_by_key(session, key=data.from_company_key),
        to_company=(
            get_company_by_key(session, key=data.to_company_key) if data.to_company_key else None
        ),
        to_project=to_project,
        to_country=data.to_country,
        percentage=None if data.percentage is None else Decimal(str(data.percentage)),
        tier=data.tier,
        source=data.source,
        start_date=data.start_date,
        end_date=data.end_date,
    )
    session.add(edge)
    session.flush()
    return edge, True
