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
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow

# --- Recipient directory ----------------------------------------------------------------------


class ContactKind(StrEnum):
    """What kind of body a contact speaks for (the leverage map's roles map onto these)."""

    company = "company"
    investor = "investor"
    buyer = "buyer"
    lender = "lender"
    embassy = "embassy"
    msi = "msi"
    nhri = "nhri"
    un = "un"
    protection = "protection"
    other = "other"


class Contact(Base):
    """A person or desk outside the organisation who can receive alerts (no account)."""

    __tablename__ = "alert_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Playbook role code this contact fills, e.g. "security_lead", "human_rights_lead",
    #: "stewardship", "embassy_officer", "special_procedures" (see alerts/roles.py).
    role: Mapped[str] = mapped_column(String(60), default="", index=True)
    title: Mapped[str] = mapped_column(String(200), default="")  # job title as they write it
    kind: Mapped[str] = mapped_column(String(20), default=ContactKind.other)
    organisation_name: Mapped[str] = mapped_column(String(300), default="")
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    #: For embassies: the state the embassy represents (ISO 3166-1 alpha-2); otherwise the
    #: country the contact works from, if known.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    #: The contact's own data key, sealing ``webhook_secret_sealed`` (and rotated, backed up
    #: and crypto-shredded like every data key).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    #: Standard Webhooks secret ("whsec_…"), shared with the receiver to verify signatures,
    #: sealed: whoever reads it can forge alerts to the receiver. Opened by
    #: ``directory.webhook_secret``.
    webhook_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes: Mapped[str] = mapped_column(Text, default="")
    opted_out_at: Mapped[datetime | None]
    opt_out_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ContactGroup(Base):
    __tablename__ = "alert_contact_groups"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactGroupMember(Base):
    __tablename__ = "alert_contact_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contact_groups.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# --- Playbooks --------------------------------------------------------------------------------


class Playbook(Base):
    """One version of a playbook. Editing a playbook adds a version; versions are never
    changed, so an alert can always show the exact protocol it followed."""

    __tablename__ = "playbooks"
    __table_args__ = (UniqueConstraint("organisation_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))  # e.g. "death_threat"
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: Attack-type vocabulary codes this playbook is proposed for.
    attack_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The validated document (alerts/playbook_schema.py), as parsed from YAML.
    document: Mapped[dict] = mapped_column(JSON)
    source_yaml: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Alerts and their escalation --------------------------------------------------------------


class AlertStatus(StrEnum):
    draft = "draft"  # recipients proposed, under review by the analyst
    active = "active"  # sent; the escalation chain runs
    resolved = "resolved"  # the case was resolved: everything stopped
    cancelled = "cancelled"  # a draft abandoned, or stopped by an analyst


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
    #: Escalation-chain cursor (alerts/escalation.py): the next step of the playbook's chain,
    #: when it is due, and how many times the current ``repeat`` step has run.
    chain_step: Mapped[int] = mapped_column(Integer, default=0)
    chain_due_at: Mapped[datetime | None] = mapped_column(index=True)
    chain_repeats: Mapped[int] = mapped_column(Integer, default=0)


class AlertTier(Base):
    """The state of one tier of an alert's escalation chain."""

    __tablename__ = "alert_tiers"
    __table_args__ = (UniqueConstraint("alert_id", "tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    tier: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … in playbook order
    label: Mapped[str] = mapped_column(String(200), default="")
    #: From the playbook: hours to wait for an acknowledgement before the next tier, hours
    #: between reminders, and how many reminders at most.
    escalate_after_hours: Mapped[float | None]
    remind_every_hours: Mapped[float | None]
    max_reminders: Mapped[int] = mapped_column(Integer, default=0)
    notified_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_action_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
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
    acknowledged_at: Mapped[datetime | None]


class AlertEventKind(StrEnum):
    launched = "launched"
    queued = "queued"
    sent = "sent"
    delivered = "delivered"
    retrying = "retrying"
    failed = "failed"
    acknowledged = "acknowledged"
    reminded = "reminded"
    escalated = "escalated"
    skipped = "skipped"  # a chain step that did nothing, and why
    info_requested = "info_requested"
    responded = "responded"
    unsubscribed = "unsubscribed"
    resolved = "resolved"
    cancelled = "cancelled"


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
    kind: Mapped[str] = mapped_column(String(20))  # "info_request" | "response"
    #: What they wrote, sealed with the incident's key (it may discuss the defender).
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Deliveries: the outbox -------------------------------------------------------------------


class DeliveryState(StrEnum):
    queued = "queued"
    sent = "sent"  # handed to the SMTP server / the webhook answered 2xx
    failed = "failed"  # permanently, with ``last_error``
    cancelled = "cancelled"  # the alert was resolved before it went out


class Delivery(Base):
    """One message to one contact on one channel: written in the same transaction as the
    decision to send it, and sent by ``vigil worker`` (at least once; ``idempotency_key`` is
    the Message-ID / webhook-id, so receivers can drop a duplicate)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_due", "state", "urgency", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL"), index=True
    )
    tier: Mapped[int | None]
    #: "alert", "reminder", "escalation", "resolution".
    purpose: Mapped[str] = mapped_column(String(20), default="alert")
    channel: Mapped[str] = mapped_column(String(10))  # "email" | "webhook"
    address: Mapped[str] = mapped_column(String(2000))  # e-mail address or webhook URL
    language: Mapped[str] = mapped_column(String(5), default="en")
    urgency: Mapped[int] = mapped_column(Integer, default=1)  # lower goes first
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    #: Sealed JSON: {"subject", "text", "html", "unsubscribe_url", "payload"}.
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


# --- Signed links -----------------------------------------------------------------------------


class LinkPurpose(StrEnum):
    acknowledge = "acknowledge"
    request_info = "request_info"
    respond = "respond"
    unsubscribe = "unsubscribe"
    check_in = "check_in"


class SignedLink(Base):
    """A single-purpose, expiring, revocable capability given to someone without an
    account. Only a keyed hash of the token is stored; the token itself travels in the
    (sealed) message."""

    __tablename__ = "signed_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="CASCADE"), index=True
    )
    check_in_schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_in_schedules.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(Integer, default=0)


# --- Safety check-ins -------------------------------------------------------------------------


class CheckInSchedule(Base):
    """A defender at high risk checks in every ``every_hours``; a check-in missed by more
    than ``grace_minutes`` raises an urgent alert to the case team."""

    __tablename__ = "check_in_schedules"
    #: The worker's question every poll: active, not yet raised, due before now. Stopped and
    #: already-raised schedules sort apart, so they never lengthen that range scan.
    __table_args__ = (
        Index("ix_check_in_schedules_watch", "active", "missed_since", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    defender_id: Mapped[int | None] = mapped_column(
        ForeignKey("defenders.id", ondelete="SET NULL"), index=True
    )
    every_hours: Mapped[float]
    grace_minutes: Mapped[int] = mapped_column(Integer, default=60)
    next_due_at: Mapped[datetime] = mapped_column(index=True)
    missed_since: Mapped[datetime | None]  # set when a miss was raised; cleared by a check-in
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stopped_at: Mapped[datetime | None]


class CheckIn(Base):
    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("check_in_schedules.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[str] = mapped_column(String(20))  # "link" | "receipt" | "analyst"
    #: A check-in may carry a duress signal ("I am not safe"): raises an urgent alert too.
    safe: Mapped[bool] = mapped_column(Boolean, default=True)
