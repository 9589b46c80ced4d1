"""Sending staff e-mail, the second half of the worker's outbox pass (``outbox/sender.py``
:func:`send_due`): claimed like an alert delivery, sent through the same e-mail channel
(same SMTP server, DKIM signature and error handling), retried with the same
``RetryPolicy``. Staff e-mail is rare, so there are no lanes: one SMTP connection per pass,
and each outcome recorded in its own transaction (a killed worker re-sends at most one)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from vigil.core.config import Settings
from vigil.core.db import session_scope, utcnow
from vigil.outbox.channels import DeliveryFailed, send_one
from vigil.outbox.channels.email import EmailChannel
from vigil.outbox.claiming import default_worker_id
from vigil.outbox.retry import CLAIM_SAFETY, RetryPolicy
from vigil.outbox.staff_email import (
    STAFF_BATCH,
    as_outgoing,
    claim_due_emails,
    record_email_failure,
    record_email_sent,
    release_emails,
)


def _record(
    session: Session,
    email_id: int,
    failure: DeliveryFailed | None,
    policy: RetryPolicy,
    *,
    now: datetime,
    rng: random.Random | None,
) -> None:
    if failure is None:
        record_email_sent(session, email_id=email_id, now=now)
    else:
        record_email_failure(
            session,
            email_id=email_id,
            now=now,
            error=failure.reason,
            permanent=failure.permanent,
            counts=failure.counts,
            policy=policy,
            rng=rng,
        )


def send_due_staff_emails(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> int:
    """Claim the staff e-mail due and send it over one SMTP connection, recording each
    outcome in its own transaction (few messages: a killed worker re-sends at most one).
    Returns how many were claimed."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    policy = RetryPolicy.from_settings(settings)
    with session_scope(factory) as session:
        claimed = [
            as_outgoing(email)
            for email in claim_due_emails(
                session,
                now=clock(),
                worker_id=worker_id or default_worker_id(settings),
                claim_for=policy.claim_for,
                limit=STAFF_BATCH,
            )
        ]
    if not claimed:
        return 0
    deadline = time.monotonic() + policy.claim_for.total_seconds() * CLAIM_SAFETY
    channel = EmailChannel(settings)
    done: list[int] = []
    try:
        for item in claimed:
            if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                break
            failure = send_one(channel, item, "staff e-mail")
            with session_scope(factory) as session:
                _record(session, item.delivery_id, failure, policy, now=clock(), rng=rng)
            done.append(item.delivery_id)
    finally:
        channel.close()
        unsent = [item.delivery_id for item in claimed if item.delivery_id not in done]
        if unsent:
            with session_scope(factory) as session:
                release_emails(session, email_ids=unsent)
    return len(claimed)
