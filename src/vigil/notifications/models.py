"""Outgoing e-mail as durable rows: a service queues, the worker sends. A killed worker loses
nothing, and every message's outcome is recorded (never silently dropped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class OutboundEmail(Base):
    __tablename__ = "outbound_emails"
    __table_args__ = (Index("ix_outbound_emails_due", "sent_at", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]


class JobRun(Base):
    """When a periodic job last ran, shared by every worker process (at most one runs it)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
