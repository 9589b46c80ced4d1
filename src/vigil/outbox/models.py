"""Tables of outbox, carved out of the alerts models (one concept per folder)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


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
