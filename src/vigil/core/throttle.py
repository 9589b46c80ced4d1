"""Counting attempts per pseudonymous key in fixed windows (sign-in, receipt guessing).

Keys are HMACs keyed with the server secret *and the window start*, so the table never holds
an e-mail, a receipt or an IP address, and one window's keys cannot be linked to the next.
Rows of past windows are deleted as new attempts arrive. Stored in the database, not in
memory, so every web process on every host shares the same counts.

Why attempts are *taken* before they are judged, in one statement: a check ("fewer than L
failures so far?") followed later by a separate increment lets N concurrent guesses all pass
the check before any of them is counted (40 receipt guesses passed a limit of 10 that way).
:func:`take_attempt` instead counts the attempt first with ``INSERT … ON CONFLICT DO UPDATE
… RETURNING`` (SQLite ≥ 3.35 and PostgreSQL): the row lock (or SQLite's single writer) makes
concurrent callers queue, each sees the count including every attempt before it, and exactly
L of them get a number within the limit. An attempt that turns out right is given back
(:func:`give_back`), so only wrong answers use up the budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
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


@dataclass(frozen=True)
class Budget:
    """How many counted attempts one key may have in a window."""

    key: str
    limit: int


def window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)


def throttle_key(secret: bytes, start: datetime, purpose: str, value: str) -> str:
    return keyed_digest(secret, purpose, start.isoformat(), value)


def _count_one(session: Session, *, key: str, start: datetime) -> int:
    """Add one attempt to ``key`` and return the new count, atomically."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Throttle)
        .values(key_hash=key, window_start=start, failures=1)
        .on_conflict_do_update(
            index_elements=[Throttle.key_hash, Throttle.window_start],
            set_={"failures": Throttle.failures + 1},
        )
        .returning(Throttle.failures)
    )
    return int(session.execute(statement).scalar_one())


def _purge_past_windows(session: Session, start: datetime) -> None:
    """Delete rows of past windows. ``SKIP LOCKED`` (PostgreSQL; SQLite has one writer anyway)
    lets concurrent callers each delete what nobody else is deleting, instead of queueing on,
    or deadlocking over, the same old rows."""
    stale = select(Throttle.id).where(Throttle.window_start < start)
    session.execute(
        delete(Throttle).where(Throttle.id.in_(stale.with_for_update(skip_locked=True))),
        execution_options={"synchronize_session": False},
    )


def take_attempt(session: Session, *, budgets: Iterable[Budget], start: datetime) -> bool:
    """Count one attempt against every budget; True if each is within its limit.

    When any budget is over, the attempt is given back on all of them and False returned:
    a refused attempt is never judged, so it must not use up the other budgets (an attacker
    paused for one account and client pair cannot go on to exhaust the account's budget for
    everyone). Keys are counted in sorted order so concurrent callers lock rows in the same
    order (no deadlock on PostgreSQL)."""
    _purge_past_windows(session, start)
    ordered = sorted(budgets, key=lambda budget: budget.key)
    counts = [_count_one(session, key=b.key, start=start) for b in ordered]  # every key, always
    within = all(count <= b.limit for count, b in zip(counts, ordered, strict=True))
    if not within:
        give_back(session, keys=[b.key for b in ordered], start=start)
    return within


def give_back(session: Session, *, keys: Iterable[str], start: datetime) -> None:
    """Un-count an attempt that was right (or refused unjudged). A row back at zero is
    deleted, so the table does not show which keys were used successfully."""
    for key in sorted(keys):
        where = (Throttle.key_hash == key, Throttle.window_start == start)
        session.execute(
            update(Throttle).where(*where).values(failures=Throttle.failures - 1),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(Throttle).where(*where, Throttle.failures <= 0),
            execution_options={"synchronize_session": False},
        )


def failures(session: Session, *, key: str, start: datetime) -> int:
    """The current count for a key (for tests and diagnostics; decisions use take_attempt)."""
    value = session.scalar(
        select(Throttle.failures).where(Throttle.key_hash == key, Throttle.window_start == start)
    )
    return int(value or 0)
