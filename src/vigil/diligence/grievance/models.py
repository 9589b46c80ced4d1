"""Tables of grievance mechanisms.

Scope is like an initiative's: countries and sectors, an empty list meaning "every". Languages
(ISO 639 codes) and channels are short lists kept in one column each, space-separated: they are
shown, never filtered on. Statistics are one row per year, each with its source. An assessment
against UNGP 31 is one row per assessment with exactly one rating per criterion (the service
refuses an incomplete one), so a mechanism's history of assessments stays readable."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class MechanismKind(StrEnum):
    company = "company"
    msi = "msi"
    nhri = "nhri"
    sports_body = "sports_body"


class Mechanism(Base):
    __tablename__ = "diligence_grievance_mechanisms"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=MechanismKind.company, index=True)
    #: Whose mechanism it is: a registry company, an initiative of the directory, or (an
    #: NHRI, a sports federation) an institution named in words.
    owner_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    owner_initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("diligence_initiatives.id", ondelete="SET NULL"), index=True
    )
    owner_institution: Mapped[str] = mapped_column(String(300), default="")
    procedures: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[str] = mapped_column(String(300), default="")
    channels: Mapped[str] = mapped_column(String(200), default="")
    #: None: not known whether anonymous complaints are accepted.
    accepts_anonymous: Mapped[bool | None] = mapped_column(Boolean)
    website: Mapped[str] = mapped_column(String(500), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MechanismCountry(Base):
    __tablename__ = "diligence_grievance_countries"

    mechanism_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_grievance_mechanisms.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class MechanismSector(Base):
    __tablename__ = "diligence_grievance_sectors"

    mechanism_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_grievance_mechanisms.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class MechanismStatistic(Base):
    """What came of the complaints of one year, as the mechanism (or someone) published it."""

    __tablename__ = "diligence_grievance_statistics"
    __table_args__ = (UniqueConstraint("mechanism_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_grievance_mechanisms.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    received: Mapped[int | None] = mapped_column(Integer)
    admissible: Mapped[int | None] = mapped_column(Integer)
    resolved: Mapped[int | None] = mapped_column(Integer)
    remedy_provided: Mapped[int | None] = mapped_column(Integer)
    median_days: Mapped[int | None] = mapped_column(Integer)
    source_url: Mapped[str] = mapped_column(String(2000))


class MechanismAssessment(Base):
    __tablename__ = "diligence_grievance_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_grievance_mechanisms.id", ondelete="CASCADE"), index=True
    )
    assessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The assessor's name as the staff pages show it (kept if the account goes).
    assessor_name: Mapped[str] = mapped_column(String(200), default="")
    assessed_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CriterionRating(Base):
    __tablename__ = "diligence_grievance_criterion_ratings"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_grievance_assessments.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(String(30))
    rating: Mapped[str] = mapped_column(String(20))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
