"""Staff accounts: users, their role in each organisation, enrolment links, sessions, throttles.

Secrets are never stored in the clear: passwords as argon2id hashes, enrolment and session
tokens as SHA-256 of a random value (the cookie or link holds the value), TOTP seeds (active
and pending) sealed under the user's own data key (``core.crypto``), since a seed is a second
factor that a stolen database must not hand over.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.access.roles import Role as Role  # the roles are defined where they are decided
from vigil.core.db import Base, utcnow
from vigil.organisations.models import Organisation


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: Seals this user's TOTP seeds (``totp_secret_sealed`` and a pending enrolment's seed).
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id"))
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The last time step accepted: a code is single-use (moved forward by an atomic UPDATE).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The IANA time zone this person reads times in; none: their organisation's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    @property
    def is_enrolled(self) -> bool:
        return self.password_hash is not None and self.totp_secret_sealed is not None


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    #: On duty: told at once about urgent reports (if nobody is, every responder is told).
    on_duty: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class EnrolmentToken(Base):
    """A one-time link that lets a new user choose a password and register a TOTP device."""

    __tablename__ = "enrolment_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: Seed offered on the enrolment page (sealed under the user's data key), kept until the
    #: user confirms a code from it.
    pending_totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship()


class SessionStage(StrEnum):
    password_ok = "password_ok"  # noqa: S105 - first factor passed, waiting for the TOTP code
    active = "active"


class UserSession(Base):
    """Server-side session: revocable, expires when idle, never trusts data in the cookie."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
