"""Counting failures per pseudonymous key in fixed windows (sign-in, receipt guessing).

Keys are HMACs keyed with the server secret *and the window start*, so the table never holds
an e-mail, a receipt or an IP address, and one window's keys cannot be linked to the next.
Rows of past windows are deleted as new attempts arrive. Stored in the database, not in
memory, so every web process on every host shares the same counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.db import Base
from vigil.core.security import keyed_digest


class Throttle(Base):
    __tablename__ = "throttles"
    __table_args__ = (UniqueConstraint("key_hash", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


def window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)


def throttle_key(secret: bytes, start: datetime, purpose: str, value: str) -> str:
    return keyed_digest(secret, purpose, start.isoformat(), value)


def failures(session: Session, *, key: str, start: datetime) -> int:
    row = session.scalar(
        select(Throttle).where(Throttle.key_hash == key, Throttle.window_start == start)
    )
    return row.failures if row is not None else 0


def over_limit(session: Session, *, limits: dict[str, int], start: datetime) -> bool:
    """True if any key has reached its limit in this window; also purges older windows."""
    session.execute(delete(Throttle).where(Throttle.window_start < start))
    return any(failures(session, key=k, start=start) >= n for k, n in limits.items())


def count_failure(session: Session, *, keys: list[str], start: datetime) -> None:
    for key in keys:
        row = session.scalar(
            select(Throttle).where(Throttle.key_hash == key, Throttle.window_start == start)
        )
        if row is None:
            session.add(Throttle(key_hash=key, window_start=start, failures=1))
        else:
            row.failures += 1
    session.flush()
