"""Alerts: who can be alerted (the recipient directory), how (playbooks, versioned), what was
decided (an alert with its recipients in tiers), what the worker must send (deliveries: the
outbox), what happened (the alert timeline), and the signed links and safety check-ins that
let people without an account act.

Every table carries ``organisation_id``: one organisation never sees another's contacts,
playbooks or alerts. Message content that may name a defender (subject, bodies, webhook
payload, the links inside them) is sealed with the incident's data key, so it is unreadable
at rest and is lost with the case when a person is forgotten. A contact's webhook signing
secret is sealed with the contact's own data key.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class AlertStatus(StrEnum):
    draft = "draft"  # recipients proposed, under review by the analyst
    #: The playbook asks for a second staff member's approval before sending (four eyes).
    awaiting_approval = "awaiting_approval"
    active = "active"  # sent; the escalation chain runs
    resolved = "resolved"  # the case was resolved: everything stopped
    cancelled = "cancelled"  # a draft abandoned, or stopped by an analyst
    #: The consent that allowed it no longer holds: nothing more is sent (alerts/consent_stop.py).
    suspended = "suspended"


class ShareLevel(StrEnum):
    """What the messages may say about the defender (checked against consent at send)."""

    generalised = "generalised"  # no alias; month, broad region, kind of project only
    none = "none"  # no alias, but the exact date, region and project
    alias = "alias"  # the default
    name = "name"  # needs the share_with_stakeholders consent


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    playbook_id: Mapped[int | None] = mapped_column(ForeignKey("playbooks.id"))
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.draft, index=True)
    urgency: Mapped[int] = mapped_column(Integer, default=1)  # 0 = imminent … 3 = routine
    share_level: Mapped[str] = mapped_column(String(20), default=ShareLevel.alias)
    strategy: Mapped[str] = mapped_column(String(20), default="quiet")
    #: The analyst's text for recipients (sealed with the incident's key), per language code.
    message_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]  # copied from the incident when launched
    launched_at: Mapped[datetime | None]
    first_delivered_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(String(200))
    #: The company-implicated branch (alerts/implicated.py) as it chose the recipients: why
    #: it applied ("perpetrator: company staff"), "" when it did not, None for an alert
    #: drafted before it was stored. Recorded at drafting, kept at launch: a later edit of
    #: the incident never silently changes what a launched alert was, or who it reaches.
    company_implicated: Mapped[str | None] = mapped_column(String(200))
    #: Escalation-chain cursor (alerts/escalation.py): the next step of the playbook's chain,
    #: when it is due, and how many times the current ``repeat`` step has run.
    chain_step: Mapped[int] = mapped_column(Integer, default=0)
    chain_due_at: Mapped[datetime | None] = mapped_column(index=True)
    chain_repeats: Mapped[int] = mapped_column(Integer, default=0)
    #: Four eyes (alerts/approval.py): who asked to send and when, and who approved (none
    #: when the launcher sent alone once the playbook's time limit had passed).
    approval_requested_at: Mapped[datetime | None]
    approval_requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AlertTier(Base):
    """The state of one tier of an alert's escalation chain."""

    __tablename__ = "alert_tiers"
    __table_args__ = (UniqueConstraint("alert_id", "tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    tier: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … in playbook order
    label: Mapped[str] = mapped_column(String(200), default="")
    #: From the playbook: hours to wait for a response before the next tier, hours
    #: between reminders, and how many reminders at most.
    escalate_after_hours: Mapped[float | None]
    remind_every_hours: Mapped[float | None]
    max_reminders: Mapped[int] = mapped_column(Integer, default=0)
    notified_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_action_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]  # the tier's first acknowledgement (shown only)
    escalated_at: Mapped[datetime | None]


class AlertRecipient(Base):
    """One contact in one tier of an alert, proposed by the playbook or added by hand."""

    __tablename__ = "alert_recipients"
    __table_args__ = (UniqueConstraint("alert_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[int] = mapped_column(Integer, default=1)
    role: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")  # why proposed
    included: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where this recipient stands (alerts/escalation.py ``recipient_stage``): informed (the
    #: first delivery queued), acknowledged (pauses their reminders, nothing more), what they
    #: answered (a ``ResponseKind``; only a substantive response stops the escalation) and
    #: when their tier's wait ended without a substantive response from them.
    notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    response: Mapped[str | None] = mapped_column(String(20))
    responded_at: Mapped[datetime | None]
    no_response_at: Mapped[datetime | None]


class ResponseKind(StrEnum):
    """What a recipient's answer amounts to. Only a substantive response (what they did or
    will do) stops the escalation: declining to act, or asking for more information, is an
    answer but not a response to the defender's situation."""

    substantive = "substantive"
    declined = "declined"
    info_requested = "info_requested"


class AlertEventKind(StrEnum):
    launched = "launched"
    approval_requested = "approval_requested"  # four eyes (alerts/approval.py)
    approved = "approved"
    sent_alone = "sent_alone"  # the launcher sent it alone after the time limit
    queued = "queued"
    sent = "sent"
    delivered = "delivered"
    retrying = "retrying"
    failed = "failed"
    acknowledged = "acknowledged"
    reminded = "reminded"
    escalated = "escalated"
    tier_silent = "tier_silent"  # a tier's wait ended without a substantive response
    no_response = "no_response"  # one recipient's, at that moment
    skipped = "skipped"  # a chain step that did nothing, and why
    info_requested = "info_requested"
    responded = "responded"
    answered = "answered"  # the team answered a recipient's request for information
    unsubscribed = "unsubscribed"
    resolved = "resolved"
    cancelled = "cancelled"
    suspended = "suspended"  # consent changed after launch: the alert stopped


class AlertEvent(Base):
    """The alert's timeline as the analyst sees it (no message content, no address)."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    tier: Mapped[int | None]
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL")
    )
    delivery_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(500), default="")


class AlertResponse(Base):
    """What a recipient wrote back through a signed link: a request for more information
    or a response (the seam for the public right of reply)."""

    __tablename__ = "alert_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL")
    )
    #: "info_request", or a response: "substantive" or "declined" (``ResponseKind``).
    kind: Mapped[str] = mapped_column(String(20))
    #: What they wrote, sealed with the incident's key (it may discuss the defender).
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
