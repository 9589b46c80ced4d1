"""Periodic jobs of ``vigil worker`` (retention, case monitoring, the public counts, the audit
checkpoint): when each last ran, shared by every worker process, so that however many
workers run on however many hosts, a daily job runs once a day.

Kept in ``core`` because it is the worker's own bookkeeping, about no domain: the jobs it
dates belong to several domains, none of which should own the others' schedule.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from vigil.core.db import Base, session_scope, utcnow


class JobRun(Base):
    """When a periodic job last ran, shared by every worker process (at most one runs it)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]


def start_if_due(
    factory: sessionmaker[Session], name: str, every: timedelta, now: datetime
) -> bool:
    """Record that job ``name`` starts now, unless it started less than ``every`` ago or
    another worker is recording its start at this moment (its row locked on PostgreSQL):
    True means this worker runs it."""
    with session_scope(factory) as session:
        query = select(JobRun).where(JobRun.name == name)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        run = session.scalar(query)
        if run is None:
            if session.get(JobRun, name) is not None:  # locked by another worker right now
                return False
            run = JobRun(name=name)
            session.add(run)
        elif run.last_started_at is not None and now - run.last_started_at < every:
            return False
        run.last_started_at = now
    return True


def mark_finished(session: Session, name: str) -> None:
    """Date the end of a job, in the job's own transaction (so a job that failed half-way
    shows a start without an end)."""
    run = session.get(JobRun, name)
    if run is not None:
        run.last_finished_at = utcnow()
