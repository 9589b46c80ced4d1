"""Tables of SLAPP screening: a lawsuit against defenders, its defendants, the links to other
proceedings, incidents and companies, and the analyst's judgements per indicator.

Why the defendants are links: a defender's name lives sealed in ``defenders``; a lawsuit keeps
only the defender's id and a public description written for publication ("a community radio
journalist"), so forgetting a defender leaves nothing readable here. Judgements are appended,
never overwritten: the latest per indicator is the current one and the earlier ones are its
history (who changed their mind, and when)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class Lawsuit(Base):
    __tablename__ = "slapp_lawsuits"
    __table_args__ = (Index("ix_slapp_lawsuits_published_country", "published", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The claimant as named in the court record (a company or a public figure).
    claimant_name: Mapped[str] = mapped_column(String(300))
    claimant_company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    #: The group the claimant belongs to, when the registry has no edge to say so.
    claimant_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    court: Mapped[str] = mapped_column(String(300), default="")
    case_number: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2))
    #: ISO 3166-2 code, or None.
    region: Mapped[str | None] = mapped_column(String(10))
    claim_type: Mapped[str] = mapped_column(String(30))
    claim_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    #: ISO 4217 alphabetic code.
    currency: Mapped[str | None] = mapped_column(String(3))
    filed_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    #: Hearings postponed at the claimant's request (a bad-faith tactics signal).
    postponements: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(30), default="pending")
    #: Staff notes: internal, never published.
    notes: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LawsuitDefendant(Base):
    """A defender sued, by link, with the description the public list may show."""

    __tablename__ = "slapp_defendants"
    __table_args__ = (UniqueConstraint("lawsuit_id", "defender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lawsuit_id: Mapped[int] = mapped_column(
        ForeignKey("slapp_lawsuits.id", ondelete="CASCADE"), index=True
    )
    defender_id: Mapped[int] = mapped_column(
        ForeignKey("defenders.id", ondelete="CASCADE"), index=True
    )
    public_description: Mapped[str] = mapped_column(String(200))


class RelatedProceeding(Base):
    """An undirected link between two lawsuits of one organisation (stored low id first)."""

    __tablename__ = "slapp_related"
    __table_args__ = (UniqueConstraint("lawsuit_id", "related_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lawsuit_id: Mapped[int] = mapped_column(
        ForeignKey("slapp_lawsuits.id", ondelete="CASCADE"), index=True
    )
    related_id: Mapped[int] = mapped_column(
        ForeignKey("slapp_lawsuits.id", ondelete="CASCADE"), index=True
    )


class LawsuitIncident(Base):
    __tablename__ = "slapp_lawsuit_incidents"

    lawsuit_id: Mapped[int] = mapped_column(
        ForeignKey("slapp_lawsuits.id", ondelete="CASCADE"), primary_key=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class LawsuitCompany(Base):
    __tablename__ = "slapp_lawsuit_companies"

    lawsuit_id: Mapped[int] = mapped_column(
        ForeignKey("slapp_lawsuits.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class IndicatorJudgement(Base):
    """One analyst's judgement of one indicator; append-only (the latest counts)."""

    __tablename__ = "slapp_judgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    lawsuit_id: Mapped[int] = mapped_column(
        ForeignKey("slapp_lawsuits.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(20))
    #: met, not_met or unclear.
    judgement: Mapped[str] = mapped_column(String(10))
    reasoning: Mapped[str] = mapped_column(Text)
    judged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    judged_at: Mapped[datetime] = mapped_column(default=utcnow)
