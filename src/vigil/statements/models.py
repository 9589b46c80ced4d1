"""Tables of collective statements and dialogue reports.

A statement is drafted by staff, co-signed by directory contacts through signed links and
published under the names of the organisations that signed. A dialogue space (a regional
roundtable…) gathers directory contacts who report, period by period, what they did about
security. Only the organisation names a signatory or member chose to publish ever reach a
public page; the signer's own name and title stay internal."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class StatementState(StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"  # taken off the public register after publication


class InvitationState(StrEnum):
    pending = "pending"  # not yet sent, or sent and unanswered
    signed = "signed"
    declined = "declined"
    withdrawn = "withdrawn"  # the signatory took their signature back before publication
    revoked = "revoked"  # staff took the invitation back


class ReportState(StrEnum):
    requested = "requested"
    submitted = "submitted"
    published = "published"
    rejected = "rejected"


class Statement(Base):
    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The public address ``/statements/{slug}``: unique across organisations.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(200), default="")
    company: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(12), default=StatementState.draft, index=True)
    #: Seals the invitation e-mails in the outbox (every delivery has a data key).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]


class StatementInvitation(Base):
    """One invitee of one statement; ``link_id`` is the live co-signing link (a reminder
    replaces it: the token is never stored, so a new message needs a new link)."""

    __tablename__ = "statement_invitations"
    __table_args__ = (UniqueConstraint("statement_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("signed_links.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default=InvitationState.pending)
    #: The organisation's name as it is to be published (the only public field).
    signed_as: Mapped[str] = mapped_column(String(300), default="")
    #: Who signed and their title: internal, never published.
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]


class DialogueSpace(Base):
    __tablename__ = "dialogue_spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DialogueMember(Base):
    """A directory contact in a space, with the organisation name shown publicly."""

    __tablename__ = "dialogue_members"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_spaces.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    public_name: Mapped[str] = mapped_column(String(300))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportingPeriod(Base):
    __tablename__ = "dialogue_periods"
    __table_args__ = (UniqueConstraint("space_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    space_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_spaces.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class DialogueReport(Base):
    """One member's report for one period (requested when the period opens)."""

    __tablename__ = "dialogue_reports"
    __table_args__ = (UniqueConstraint("period_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    period_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_periods.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("signed_links.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default=ReportState.requested)
    #: The member's organisation name when the period opened (what the public page shows).
    public_name: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
