"""Paging staff beyond e-mail: the channels each staff member chose, and the SMS, voice and
Signal pages waiting in the outbox.

Phone numbers are personal data (a number leads to a person and their location), so they are
sealed under the user's own data key (``User.data_key_id``, the key that seals their TOTP
seed) and never copied into an outbox row: the worker opens the number when it sends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow

#: The channels besides e-mail (which always pages everyone).
PAGE_CHANNELS = ("sms", "voice", "signal")


class PagingChoice(Base):
    """How one staff member wants to be paged besides e-mail (one row per user: a person is
    reached the same way whichever organisation pages them)."""

    __tablename__ = "staff_paging_choices"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: E.164 number for SMS and voice calls, sealed under ``User.data_key_id``.
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: E.164 number registered with Signal, sealed under ``User.data_key_id``.
    signal_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    sms: Mapped[bool] = mapped_column(default=False)
    voice: Mapped[bool] = mapped_column(default=False)
    signal: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboundPage(Base):
    """One SMS, voice call or Signal message to a staff member, sent and retried exactly like
    an ``OutboundEmail`` (same claim, same ``RetryPolicy``, same worker pass). It names the
    user, not the number: the number stays sealed in :class:`PagingChoice`, and a number
    changed before the page goes out is the one used. ``text`` is safe in clear (a subject
    and a link, never anything about a defender)."""

    __tablename__ = "outbound_pages"
    __table_args__ = (Index("ix_outbound_pages_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # one of PAGE_CHANNELS
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
