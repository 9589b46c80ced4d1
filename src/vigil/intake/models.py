"""Anonymous reports, the messages exchanged with their reporter, and their attachments.

Everything a reporter writes (names, contacts, narrative, region, exact place, messages,
files) is sealed with the report's own data key; only what triage needs to sort and count
stays in clear (types, country, dates, imminence). The reporter is known only by a receipt code
whose slow, keyed hash is stored (``intake.receipts``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow


class ReportStatus(StrEnum):
    received = "received"
    triage = "triage"
    accepted = "accepted"  # turned into an incident (casework issue)
    rejected = "rejected"
    closed = "closed"


class Wish(StrEnum):
    """What the reporter wants done; consent comes first (quiet diplomacy is the default)."""

    quiet = "quiet"
    public = "public"
    record_only = "record_only"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_triage", "organisation_id", "status", "imminent", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    receipt_digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: Digest of the form's one-time submission id: a re-sent form does not create a twin.
    submission_digest: Mapped[str] = mapped_column(String(64), unique=True)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    #: JSON of the sensitive answers, sealed (names, contacts, narrative, place, suspects…).
    answers_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.received)
    imminent: Mapped[bool] = mapped_column(Boolean, default=False)
    target_kind: Mapped[str | None] = mapped_column(String(20))
    defender_type: Mapped[str | None] = mapped_column(String(64))
    #: Every type of attack the reporter ticked (codes of the attack-type vocabulary).
    attack_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    perpetrator_type: Mapped[str | None] = mapped_column(String(64))
    occurred_on: Mapped[date | None]
    date_precision: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(2))
    wish: Mapped[str] = mapped_column(String(20), default=Wish.quiet)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when an analyst turned the report into an incident (casework).
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    rejection_reason: Mapped[str | None] = mapped_column(String(1000))
    #: When an analyst first acted on it (for "time to triage" on the dashboard).
    first_handled_at: Mapped[datetime | None]
    #: When a staff member last read the conversation (report or case page): reporter
    #: messages after it are unread. One mark for the whole team, not per person.
    staff_read_at: Mapped[datetime | None]

    messages: Mapped[list[ReportMessage]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportMessage.id"
    )
    attachments: Mapped[list[ReportAttachment]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )


class Author(StrEnum):
    reporter = "reporter"
    staff = "staff"


class ReportMessage(Base):
    __tablename__ = "report_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship(back_populates="messages")


class ReportAttachment(Base):
    """A sanitised file (metadata stripped), sealed, with the SHA-256 of the cleaned bytes, also
    sealed: it outlives the content (retention) to check copies made earlier. Neither the
    original's hash nor its file name is ever stored: with the original in hand, either would
    prove that it was reported."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    stripped: Mapped[str] = mapped_column(String(500), default="")
    content_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship(back_populates="attachments")
