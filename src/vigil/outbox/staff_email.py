"""Staff e-mail in the outbox: queueing, claiming and recording outcomes, by the same rules
as alert deliveries (``outbox/service.py``): claimed with ``outbox/claiming.py`` for
``VIGIL_DELIVERY_CLAIM_SECONDS``, retried with the ``RetryPolicy`` of the
``VIGIL_DELIVERY_*`` settings (exponential back-off with full jitter, given up after
``VIGIL_DELIVERY_MAX_ATTEMPTS`` or at once when retrying cannot help), never using up an
attempt while e-mail is not configured. ``outbox/sender.py`` sends them in the worker's one
outbox pass. Why a table of its own: see :class:`OutboundEmail`.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.outbox.channels import Outgoing
from vigil.outbox.claiming import claim_rows, mark_sent, release_rows
from vigil.outbox.retry import RetryPolicy, scrub, settle_failure
from vigil.outbox.staff_email_models import OutboundEmail

#: Claimed per pass: staff e-mail is rare (one per urgent report and responder).
STAFF_BATCH = 50


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


def claim_due_emails(
    session: Session,
    *,
    now: datetime,
    worker_id: str,
    claim_for: timedelta,
    limit: int = STAFF_BATCH,
) -> list[OutboundEmail]:
    """Claim up to ``limit`` due messages for ``claim_for``, oldest due first; rows another
    worker holds are skipped (PostgreSQL)."""
    claimed = claim_rows(
        session,
        OutboundEmail,
        due=(
            OutboundEmail.sent_at.is_(None),
            OutboundEmail.failed_at.is_(None),
            OutboundEmail.next_attempt_at <= now,
        ),
        order_by=(OutboundEmail.next_attempt_at, OutboundEmail.id),
        now=now,
        worker_id=worker_id,
        claim_for=claim_for,
        limit=limit,
    )
    return sorted(claimed, key=lambda e: (e.next_attempt_at, e.id))


def as_outgoing(email: OutboundEmail) -> Outgoing:
    """The message as the e-mail channel sends it (the one that sends alert e-mail: same
    server, DKIM signature and error handling). Its Message-ID is fixed by the row, so a
    message re-sent after a crash is recognisably the same one."""
    return Outgoing(
        delivery_id=email.id,
        channel="email",
        address=email.to_address,
        language="en",
        idempotency_key=f"vigil-staff-{email.id}-{email.created_at:%Y%m%d%H%M%S}",
        purpose="staff",
        urgency=0,
        content={"subject": email.subject, "text": email.body},
    )


def release_emails(session: Session, *, email_ids: Collection[int]) -> None:
    """Give unsent claimed messages back at once (a worker stopping cleanly)."""
    release_rows(session, OutboundEmail, ids=email_ids, still=OutboundEmail.sent_at.is_(None))


def record_email_sent(session: Session, *, email_id: int, now: datetime) -> None:
    """The SMTP server accepted the message."""
    mark_sent(session, OutboundEmail, row_id=email_id, now=now)


def record_email_failure(
    session: Session,
    *,
    email_id: int,
    now: datetime,
    error: str,
    permanent: bool,
    policy: RetryPolicy,
    counts: bool = True,
    rng: random.Random | None = None,
) -> OutboundEmail:
    """Retry later, or give up (``permanent``, or the last attempt): the rule of
    ``outbox.service.record_failure``. ``counts=False`` (e-mail not configured, DKIM key
    unreadable) waits one back-off period without using up an attempt, so a message is not
    dropped while the operator fixes the configuration."""
    email = session.get(OutboundEmail, email_id)
    if email is None:
        raise NotFound("No such e-mail.")
    settle_failure(
        email,
        now=now,
        error=scrub(error, email.to_address),
        permanent=permanent,
        policy=policy,
        counts=counts,
        rng=rng,
    )
    session.flush()
    return email
