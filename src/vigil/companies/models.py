"""The corporate registry: companies, projects/sites and the typed edges between them.

The registry is shared by every organisation of a deployment (it holds public facts, not
cases). ``key`` is a stable external identifier (a FollowTheMoney entity id, a demo key) so
imports upsert instead of duplicating. Imported rows keep their provenance (dataset, line,
time) and the FollowTheMoney properties Vigil has no column for, so an export gives them back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.accounts.models import User
from vigil.core.db import Base, utcnow
from vigil.vocabularies.models import VocabularyTerm


class NameKind(StrEnum):
    primary = "primary"
    alias = "alias"
    former = "former"
    brand = "brand"


class IdentifierScheme(StrEnum):
    lei = "lei"
    registration = "registration"
    isin = "isin"
    ticker = "ticker"
    tax = "tax"
    other = "other"


class FpicStatus(StrEnum):
    obtained = "obtained"
    contested = "contested"
    not_sought = "not_sought"
    unknown = "unknown"


class RelationshipKind(StrEnum):
    ownership = "ownership"
    parent_subsidiary = "parent_subsidiary"
    joint_venture = "joint_venture"
    supplier_buyer = "supplier_buyer"
    investor = "investor"
    lender = "lender"
    security_provider = "security_provider"
    msi_member = "msi_member"
    headquartered_in = "headquartered_in"
    operator = "operator"
    #: A legal entity (never a person: persons are not imported) directing an organisation.
    director = "director"
    #: A payment from payer to beneficiary (e.g. a mine paying a police unit).
    payment = "payment"
    #: Linked in a way the source does not type (FtM UnknownLink); its role says more.
    linked = "linked"


class DocumentKind(StrEnum):
    contract = "contract"
    impact_assessment = "impact_assessment"
    social_audit = "social_audit"
    other = "other"


class Provenance:
    """Where an imported row came from, and what of it Vigil has no column for."""

    #: Dataset or file name of the last import that wrote the row (None: entered in Vigil).
    source_dataset: Mapped[str | None] = mapped_column(String(200))
    #: Line (FtM) or row (CSV) number in that file.
    source_line: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime | None]
    #: FollowTheMoney schema (Company, Organization, Ownership…) the row was imported as.
    ftm_schema: Mapped[str | None] = mapped_column(String(40))
    #: JSON object {property: [values]}: FtM properties without a column, kept for export.
    ftm_properties: Mapped[str] = mapped_column(Text, default="{}")


company_sectors = Table(
    "company_sectors",
    Base.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("vocabulary_terms.id"), primary_key=True),
)

company_addresses = Table(
    "company_addresses",
    Base.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("address_id", ForeignKey("addresses.id", ondelete="CASCADE"), primary_key=True),
)


class Company(Provenance, Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    legal_form: Mapped[str | None] = mapped_column(String(60))
    jurisdiction: Mapped[str | None] = mapped_column(String(2), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    #: Kind of actor: company, investor, bank, DFI, MSI… (free for now; leverage map ranks on it)
    actor_kind: Mapped[str] = mapped_column(String(30), default="company")
    #: Set when a reviewer merged this record into another (reversible: clear it to undo).
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    names: Mapped[list[CompanyName]] = relationship(
        back_populates="company", cascade="all, delete-orphan"
    )
    identifiers: Mapped[list[CompanyIdentifier]] = relationship(
        back_populates="company", cascade="all, delete-orphan"
    )
    sectors: Mapped[list[VocabularyTerm]] = relationship(secondary=company_sectors)
    addresses: Mapped[list[Address]] = relationship(secondary=company_addresses)
    revisions: Mapped[list[CompanyRevision]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyRevision.id"
    )


class Address(Provenance, Base):
    """A postal address of a company (registered office, site). Addresses of persons are
    never imported."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    full: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompanyRevision(Base):
    """One changed field of a company: who (staff member or import), when, old and new value."""

    __tablename__ = "company_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The editor's organisation: other organisations see "another organisation", not a name.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    #: "web", or the import that made the change ("ftm:donations.ijson", "csv:list.csv").
    origin: Mapped[str] = mapped_column(String(220), default="web")
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship(back_populates="revisions")
    user: Mapped[User | None] = relationship()


class CompanyName(Base):
    __tablename__ = "company_names"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=NameKind.alias)
    #: Matching key (legal forms removed, transliterated, lower case): see companies.matching.
    normalized: Mapped[str | None] = mapped_column(String(300), index=True)

    company: Mapped[Company] = relationship(back_populates="names")


class CompanyIdentifier(Base):
    __tablename__ = "company_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str | None] = mapped_column(String(100))

    company: Mapped[Company] = relationship(back_populates="identifiers")


class Project(Base):
    """A mine, plantation, dam, factory… with its operator and land/FPIC status."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(120))
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("vocabulary_terms.id"))
    land_tenure: Mapped[str | None] = mapped_column(Text)
    fpic_status: Mapped[str] = mapped_column(String(20), default=FpicStatus.unknown)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operator: Mapped[Company | None] = relationship()
    sector: Mapped[VocabularyTerm | None] = relationship()
    documents: Mapped[list[ProjectDocument]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectDocument.id"
    )


class ProjectDocument(Base):
    """A public document about a project: contract, impact assessment, social-audit report."""

    __tablename__ = "project_documents"
    __table_args__ = (UniqueConstraint("project_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))
    published_on: Mapped[date | None]
    #: BCP 47 language tag of the document (es, en, pt-BR…).
    language: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="documents")


class CompanyRelationship(Provenance, Base):
    """A typed, sourced, dated edge: company/project → company/project/country.

    Direction reads "from <kind> of to": the owner/parent/investor/lender/buyer-facing
    supplier/security provider/MSI member/operator/director/payer/linked subject is ``from``;
    the owned company, the subsidiary, the investee, the borrower, the buyer, the client, the
    MSI, the project, the home state, the directed organisation, the beneficiary or the linked
    object is ``to``.

    Exactly one of ``from_company_id``/``from_project_id`` is set, and exactly one of
    ``to_company_id``/``to_project_id``/``to_country`` (``headquartered_in`` points at a
    country, the home state).
    """

    __tablename__ = "company_relationships"
    __table_args__ = (
        CheckConstraint(
            "(from_company_id IS NULL) <> (from_project_id IS NULL)", name="one_origin"
        ),
        CheckConstraint(
            "(CASE WHEN to_company_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN to_project_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN to_country IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        CheckConstraint(
            "percentage IS NULL OR (percentage >= 0 AND percentage <= 100)", name="percentage_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    from_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    from_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    to_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    to_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    to_country: Mapped[str | None] = mapped_column(String(2))
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    tier: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    from_company: Mapped[Company | None] = relationship(foreign_keys=[from_company_id])
    from_project: Mapped[Project | None] = relationship(foreign_keys=[from_project_id])
    to_company: Mapped[Company | None] = relationship(foreign_keys=[to_company_id])
    to_project: Mapped[Project | None] = relationship(foreign_keys=[to_project_id])
