"""Incidents (HURIDOCS "events"), their acts, the perpetrators' involvement and sources."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.companies.models import Company, Project
from vigil.core.db import Base, utcnow
from vigil.defenders.models import Defender
from vigil.vocabularies.models import VocabularyTerm


class IncidentStatus(StrEnum):
    received = "received"
    triage = "triage"
    verified = "verified"
    active = "active"
    monitoring = "monitoring"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"
    duplicate = "duplicate"


#: Statuses whose incidents may be counted in public aggregates (verified or later).
PUBLIC_STATUSES = (
    IncidentStatus.verified,
    IncidentStatus.active,
    IncidentStatus.monitoring,
    IncidentStatus.resolved,
    IncidentStatus.closed,
)


class DatePrecision(StrEnum):
    day = "day"
    month = "month"
    year = "year"


class Certainty(StrEnum):
    """How well a perpetrator's part is known, kept apart from what that part was."""

    alleged = "alleged"  # said by the victim, a witness or a source; not yet checked
    documented = "documented"  # backed by evidence we hold (documents, images, testimony)
    established = "established"  # established by a court, an official finding or admission


class Role(StrEnum):
    """What a perpetrator (or a company) did in an act, whatever the certainty.

    ``acquiescence`` is the state's or a company's failure to protect when it knew or should
    have known; ``linked`` records a company tied to the project or activity with no
    involvement alleged (BHRRC's distinction): it is asked for a response, never treated as
    a suspect."""

    unspecified = "unspecified"
    direct = "direct"
    instigator = "instigator"
    complicit = "complicit"
    beneficiary = "beneficiary"
    acquiescence = "acquiescence"
    linked = "linked"


class Reliability(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_ref"),
        Index("ix_incidents_org_status", "organisation_id", "status"),
        Index("ix_incidents_status_country", "status", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: Identifier in the system the record came from (imports, demo data); unique per tenant.
    external_ref: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    #: The incident's own data key: summary and exact place are sealed with it.
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    summary_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    occurred_on: Mapped[date | None]
    date_precision: Mapped[str] = mapped_column(String(8), default=DatePrecision.day)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(120))
    #: Village or exact place (sealed): private, never published.
    place_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=IncidentStatus.received)
    #: The summary the public register may show (``incidents.public_summary``): sealed with
    #: the incident's key like the internal one, written by one staff member and reviewed by
    #: another; writing it again clears the review.
    public_summary_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    public_summary_written_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    public_summary_written_at: Mapped[datetime | None]
    public_summary_reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    public_summary_reviewed_at: Mapped[datetime | None]
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("vocabulary_terms.id"))
    #: Casework (see ``casework.service`` for the rules that move these).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL")
    )
    closure_reason: Mapped[str | None] = mapped_column(String(30))
    closure_note: Mapped[str | None] = mapped_column(Text)
    closure_requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    closure_reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    #: What the analyst tells the reporter(s) when closing, sealed with the case's key; shown
    #: on the reporter's status page once the case is closed (``casework.reporter_view``).
    closing_message_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    last_action_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: First thing an analyst did on the case (for "time to first action" on the dashboard).
    first_action_at: Mapped[datetime | None]
    #: When the case was verified (alerts measure their speed from here).
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    acts: Mapped[list[Act]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Act.id"
    )
    sources: Mapped[list[Source]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Source.id"
    )
    project: Mapped[Project | None] = relationship()
    sector: Mapped[VocabularyTerm | None] = relationship()


class Act(Base):
    """One thing done to one victim."""

    __tablename__ = "acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    attack_type_id: Mapped[int] = mapped_column(ForeignKey("vocabulary_terms.id"), index=True)
    victim_id: Mapped[int | None] = mapped_column(
        ForeignKey("defenders.id", ondelete="SET NULL"), index=True
    )
    occurred_on: Mapped[date | None]

    incident: Mapped[Incident] = relationship(back_populates="acts")
    attack_type: Mapped[VocabularyTerm] = relationship()
    victim: Mapped[Defender | None] = relationship()
    involvements: Mapped[list[Involvement]] = relationship(
        back_populates="act", cascade="all, delete-orphan", order_by="Involvement.id"
    )


class Involvement(Base):
    """A perpetrator's role in an act, optionally tied to a company or project."""

    __tablename__ = "involvements"

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    perpetrator_type_id: Mapped[int] = mapped_column(ForeignKey("vocabulary_terms.id"))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default=Role.unspecified)
    certainty: Mapped[str] = mapped_column(String(20), default=Certainty.alleged)

    act: Mapped[Act] = relationship(back_populates="involvements")
    perpetrator_type: Mapped[VocabularyTerm] = relationship()
    company: Mapped[Company | None] = relationship()
    project: Mapped[Project | None] = relationship()


class Source(Base):
    """How we know: a direct report, a media article, a partner NGO, a court record."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    reliability: Mapped[str] = mapped_column(String(10), default=Reliability.medium)
    url: Mapped[str | None] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date | None]
    #: What this source itself says of the event, kept when incidents from several sources
    #: are merged into one (``imports.linking``): its date, its region (an ISO 3166-2 code,
    #: never free text) and its type of attack (an ``attack_type`` code). Empty for a source
    #: added to an incident that gives nothing of its own.
    reported_on: Mapped[date | None]
    reported_region: Mapped[str | None] = mapped_column(String(120))
    reported_attack_type: Mapped[str | None] = mapped_column(String(60))

    incident: Mapped[Incident] = relationship(back_populates="sources")


class IncidentEdit(Base):
    """One edit of an incident after it was recorded: who, when, which fields, and the values
    before and after, sealed with the incident's key (a title or a source can name people;
    forgetting the incident's key withholds its history too)."""

    __tablename__ = "incident_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What changed, plainly: "title", "occurred_on", "act_added", "source_added"… (comma list).
    fields: Mapped[str] = mapped_column(String(300))
    #: JSON ``{field: [before, after]}``, sealed.
    values_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
