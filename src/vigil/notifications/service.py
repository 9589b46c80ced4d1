"""Queueing e-mail and handing due messages to a worker, safely with several workers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.notifications.models import OutboundEmail

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)


def queue_email(
    session: Session, *, to_address: str, subject: str, body: str, organisation_id: int | None
) -> OutboundEmail:
    """Never put a defender's name, a narrative or a receipt in ``subject`` or ``body``:
    e-mail leaves the deployment in clear. Link to the staff page instead."""
    email = OutboundEmail(
        organisation_id=organisation_id, to_address=to_address, subject=subject[:300], body=body
    )
    session.add(email)
    session.flush()
    return email


def claim_due_emails(session: Session, *, now: datetime, limit: int = 50) -> list[OutboundEmail]:
    """Mark up to ``limit`` due messages as claimed by this worker for a few minutes; on
    PostgreSQL rows locked by another worker are skipped (FOR UPDATE SKIP LOCKED)."""
    query = (
        select(OutboundEmail)
        .where(
            OutboundEmail.sent_at.is_(None),
            OutboundEmail.failed_at.is_(None),
            OutboundEmail.send_after <= now,
            or_(OutboundEmail.claimed_until.is_(None), OutboundEmail.claimed_until < now),
        )
        .order_by(OutboundEmail.send_after, OutboundEmail.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    emails = list(session.scalars(query))
    for email in emails:
        email.claimed_until = now + CLAIM_FOR
    session.flush()
    return emails


def record_outcome(
    session: Session, *, email_id: int, now: datetime, error: str | None
) -> OutboundEmail:
    """Sent, or retried later with exponential back-off, or given up after MAX_ATTEMPTS."""
    email = session.get(OutboundEmail, email_id)
    assert email is not None
    email.attempts += 1
    email.claimed_until = None
    if error is None:
        email.sent_at = now
        email.last_error = None
    else:
        email.last_error = error[:500]
        if email.attempts >= MAX_ATTEMPTS:
            email.failed_at = now
        else:
            email.send_after = now + timedelta(minutes=2**email.attempts)
    session.flush()
    return email
