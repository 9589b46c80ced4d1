"""Tables of links, carved out of the alerts models (one concept per folder)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class LinkPurpose(StrEnum):
    acknowledge = "acknowledge"
    request_info = "request_info"
    respond = "respond"
    unsubscribe = "unsubscribe"
    check_in = "check_in"
    reply = "reply"  # a company answers a right-of-reply request (responses/)
    cosign = "cosign"  # sign or decline a collective statement (statements/)
    dialogue_report = "dialogue_report"  # a dialogue member reports (statements/)


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
    response_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_requests.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(Integer, default=0)
