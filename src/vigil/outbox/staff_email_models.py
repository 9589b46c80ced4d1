"""Outgoing staff e-mail as durable rows: a service queues, the worker sends. A killed worker
loses nothing, and every message's outcome is recorded (never silently dropped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class OutboundEmail(Base):
    """One e-mail to a staff member (an urgent report, a missed check-in, a stale case).

    It is sent, claimed and retried exactly like an alert ``Delivery`` (same worker pass,
    same ``outbox/claiming.py`` claim, same ``RetryPolicy`` from the ``VIGIL_DELIVERY_*``
    settings, same SMTP channel), but kept in its own table on purpose:

    - its text is written to be safe in clear (no name, narrative or place: a link to the
      staff page instead), so it has no incident data key to be sealed with, and forgetting
      a person never needs to reach it, whereas a ``Delivery`` is sealed and must be;
    - it belongs to no alert or contact, so the delivery rules that hang on those (the alert
      timeline, cancelling when an alert stops, unsubscribing) do not apply, and a system
      message may have no organisation at all (``Delivery.organisation_id`` is required);
    - ``/staff/deliveries`` lists what an organisation sent to its contacts; mixing its own
      staff's notices into it would confuse the one page that shows alert failures.
    """

    __tablename__ = "outbound_emails"
    __table_args__ = (Index("ix_outbound_emails_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
