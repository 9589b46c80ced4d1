"""Tables of checkins, carved out of the alerts models (one concept per folder)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


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
