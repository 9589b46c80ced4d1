"""Registry rules: idempotent upserts keyed on stable external keys (demo keys,
FollowTheMoney entity ids, CSV row keys), validation of registry values, project documents.

Reading and editing for the staff pages live in :mod:`vigil.companies.registry`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from followthemoney.types import registry as ftm_types
from rigour.ids import ISIN, LEI
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.matching import name_key
from vigil.companies.models import (
    Company,
    CompanyIdentifier,
    CompanyName,
    CompanyRelationship,
    DocumentKind,
    FpicStatus,
    IdentifierScheme,
    NameKind,
    Project,
    ProjectDocument,
    RelationshipKind,
)
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
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


def clean_country(value: str) -> str | None:
    """An ISO 3166-1 alpha-2 code (upper case) for a code or a country name in any common
    language ("Germany", "Deutschland", "de"); None when it names no country."""
    code = ftm_types.country.clean(value.strip()) if value.strip() else None
    if code is None or len(code) != 2 or code == "zz":
        return None
    return code.upper()


def clean_website(value: str) -> str | None:
    """An http(s) URL ("example.org" gains "http://"); None for anything else (no
    ``javascript:`` links on staff pages)."""
    url = ftm_types.url.clean(value.strip()) if value.strip() else None
    if url is None or not url.startswith(("http://", "https://")) or len(url) > 500:
        return None
    return url


def clean_identifier(scheme: str, value: str) -> str:
    """Normalise an identifier of a scheme, or raise :class:`Invalid` saying why not."""
    if scheme not in IdentifierScheme.__members__:
        raise Invalid(gettext("Choose the kind of identifier."))
    value = " ".join(value.split())
    if not value:
        raise Invalid(gettext("An identifier needs a value."))
    if len(value) > 100:
        raise Invalid(gettext("An identifier has at most 100 characters."))
    if scheme == IdentifierScheme.lei:
        if not LEI.is_valid(value):
            raise Invalid(
                gettext("“%(value)s” is not a valid LEI (20 characters with check digits).")
                % {"value": value}
            )
        value = LEI.normalize(value) or value
    if scheme == IdentifierScheme.isin:
        if not ISIN.is_valid(value):
            raise Invalid(
                gettext("“%(value)s” is not a valid ISIN (12 characters with a check digit).")
                % {"value": value}
            )
        value = ISIN.normalize(value) or value
    return value


def rename_company(company: Company, new: str) -> None:
    """Make ``new`` the primary name; the old primary name stays as a former name, so
    matching and search still find the company under it."""
    old = company.name
    by_name = {entry.name: entry for entry in company.names}
    for entry in company.names:
        if entry.kind == NameKind.primary and entry.name == old and old != new:
            entry.kind = NameKind.former
    if new in by_name:
        by_name[new].kind = NameKind.primary
    else:
        company.names.append(CompanyName(name=new, kind=NameKind.primary, normalized=name_key(new)))
    company.name = new


@dataclass(frozen=True)
class ProjectDocumentIn:
    kind: str
    title: str
    url: str
    published_on: date | None = None
    language: str | None = None


def add_project_document(
    session: Session, *, project_id: int, data: ProjectDocumentIn
) -> tuple[ProjectDocument, bool]:
    """Link a public document (contract, impact assessment, social audit) to a project; the
    same URL twice is the same document (idempotent)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(gettext("No such project."))
    if data.kind not in DocumentKind.__members__:
        raise Invalid(gettext("Choose the kind of document."))
    url = clean_website(data.url)
    if url is None:
        raise Invalid(gettext("A document needs its public http(s) address."))
    title = " ".join(data.title.split())
    if not title or len(title) > 300:
        raise Invalid(gettext("A document needs a title of at most 300 characters."))
    language = (data.language or "").strip() or None
    if language is not None and (len(language) > 20 or not language.replace("-", "").isalnum()):
        raise Invalid(
            gettext("“%(value)s” is not a language tag such as es or pt-BR.") % {"value": language}
        )
    existing = session.scalar(
        select(ProjectDocument).where(
            ProjectDocument.project_id == project_id, ProjectDocument.url == url
        )
    )
    if existing is not None:
        return existing, False
    document = ProjectDocument(
        project=project,
        kind=data.kind,
        title=title,
        url=url,
        published_on=data.published_on,
        language=language,
    )
    session.add(document)
    session.flush()
    return document, True
