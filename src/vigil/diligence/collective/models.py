"""Tables of the collective-action directory.

An initiative's scope is two lists: the countries (ISO 3166-1 alpha-2) and the sectors (codes
of the ``sector`` vocabulary) it works in. An empty list means "every": a global initiative
names no country, a cross-sector one no sector. Interventions are what the initiative is known
to have done, each with its source, so the suitability guide can count them.

A suitability rating is about one case: its reason may say things about the defender, so it
is sealed with the incident's own data key (and shredded with it), like a risk assessment.
Every rating is a new row; the guide shows the latest per factor and keeps the history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class InitiativeKind(StrEnum):
    multi_stakeholder = "multi_stakeholder"
    business_network = "business_network"
    worker_driven = "worker_driven"


class Initiative(Base):
    __tablename__ = "diligence_initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30), default=InitiativeKind.multi_stakeholder)
    #: Who convenes it (a government, a trade body, a union federation…): the first thing
    #: the legitimacy factor asks about.
    convenor: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: The public contact route; ``contact_id`` is the directory's (staff only, and the one
    #: an alert can be sent to).
    website: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL"), index=True
    )
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InitiativeCountry(Base):
    __tablename__ = "diligence_initiative_countries"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class InitiativeSector(Base):
    __tablename__ = "diligence_initiative_sectors"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class InitiativeMember(Base):
    """A registry company that belongs to the initiative, since when and as what."""

    __tablename__ = "diligence_initiative_members"
    __table_args__ = (UniqueConstraint("initiative_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_initiatives.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(200), default="")
    since: Mapped[date | None]


class Intervention(Base):
    """Something the initiative did about a situation of risk, with its source."""

    __tablename__ = "diligence_initiative_interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_initiatives.id", ondelete="CASCADE"), index=True
    )
    occurred_on: Mapped[date]
    country: Mapped[str] = mapped_column(String(2), index=True)
    action: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(2000))


class SuitabilityRating(Base):
    __tablename__ = "diligence_suitability_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_initiatives.id", ondelete="CASCADE"), index=True
    )
    factor: Mapped[str] = mapped_column(String(20))
    rating: Mapped[str] = mapped_column(String(15))
    #: Sealed with the incident's data key: a reason may say something about the defender.
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    rated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)
