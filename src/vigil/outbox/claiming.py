"""Claiming due outbox rows for one worker: the one rule both outbox tables follow (alert
deliveries and staff e-mail), so several workers never send the same row at once and a
worker that dies gives its rows back by itself.

A claim is ``claimed_until`` (now + ``VIGIL_DELIVERY_CLAIM_SECONDS``) and ``claimed_by``
(the worker id). A row is claimable when it is due and unclaimed or its claim has expired.
On PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP LOCKED``, so two workers
claiming together get disjoint rows; SQLite has a single writer, so run one worker there.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from vigil.core.config import Settings

Row = TypeVar("Row")


def default_worker_id(settings: Settings) -> str:
    """Who holds a claim: ``VIGIL_WORKER_ID``, or this host and process."""
    return settings.worker_id or f"{socket.gethostname()}-{os.getpid()}"


def claim_rows(
    session: Session,
    model: type[Row],
    *,
    due: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    now: datetime,
    worker_id: str,
    claim_for: timedelta,
    limit: int,
) -> list[Row]:
    """Claim up to ``limit`` rows of ``model`` matching ``due`` (plus "not claimed, or the
    claim expired"), in ``order_by`` order, and return them as claimed.

    One statement claims and reads back (``UPDATE … WHERE id IN (SELECT … SKIP LOCKED)
    RETURNING``): one round trip per batch instead of two."""
    table: Any = model
    candidates = (
        select(table.id)
        .where(*due, or_(table.claimed_until.is_(None), table.claimed_until < now))
        .order_by(*order_by)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(table)
        .where(table.id.in_(candidates.scalar_subquery()))
        .values(claimed_until=now + claim_for, claimed_by=worker_id[:100])
        .returning(table),
        # populate_existing: a row this session already holds shows the new claim too.
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).all()
    return list(claimed)


def release_rows(
    session: Session, model: type[Any], *, ids: Collection[int], still: ColumnElement[bool]
) -> None:
    """Give claimed rows back at once (a worker stopping cleanly, or out of time): only
    those for which ``still`` holds (still waiting to be sent)."""
    if ids:
        session.execute(
            update(model)
            .where(model.id.in_(list(ids)), still)
            .values(claimed_until=None, claimed_by=None)
        )


def mark_sent(session: Session, model: type[Any], *, row_id: int, now: datetime) -> None:
    """The provider accepted the message held in row ``row_id`` of ``model`` (an outbox
    table with ``sent_at``, ``attempts`` and claim columns)."""
    session.execute(
        update(model)
        .where(model.id == row_id)
        .values(
            sent_at=now,
            attempts=model.attempts + 1,
            claimed_until=None,
            claimed_by=None,
            last_error=None,
        ),
        execution_options={"synchronize_session": False},
    )
