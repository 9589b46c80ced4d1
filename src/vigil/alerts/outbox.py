"""The deliveries table is the outbox: a decision to send writes ``Delivery`` rows in the
same transaction as the decision, and ``vigil worker`` (alerts/sender.py) sends them, at
least once.

Why this shape:
- Nothing is sent from a web request or held in memory: a killed worker loses nothing. A
  worker claims due rows for ``delivery_claim_seconds``; if it dies, the claim expires and
  another worker re-sends. The re-send carries the same ``idempotency_key`` (the e-mail's
  Message-ID, the webhook's ``webhook-id``), so receivers can drop the duplicate.
- Several workers share the table on PostgreSQL (``FOR UPDATE SKIP LOCKED``: each row goes to
  one worker); SQLite has one writer, so run one worker there.
- Failures are retried with exponential backoff and full jitter (so a thousand messages that
  failed together do not all come back at the same second), and given up after
  ``delivery_max_attempts`` or at once for errors that retrying cannot fix. A failed delivery
  stays visible (``/staff/deliveries``, ``/healthz``) until someone retries it.
- The alert timeline (``AlertEvent``) records every outcome with its reason, never an address
  or the message content.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertStatus,
    Contact,
    Delivery,
    DeliveryState,
)
from vigil.alerts.retry import RetryPolicy, scrub
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound

CHANNELS = ("email", "webhook")
CONTENT_KEYS = ("subject", "text", "html", "unsubscribe_url", "payload")
#: Deliveries that still go out after their alert was resolved (they announce it).
AFTER_RESOLUTION = ("resolution",)
#: A queued delivery older than this makes /healthz say "degraded".
STALE_QUEUE = timedelta(minutes=15)


def new_idempotency_key() -> str:
    return f"vigil-{uuid.uuid4()}"


def _event(row: Mapping[str, Any], kind: str, detail: str, now: datetime) -> dict[str, Any]:
    """An AlertEvent row for one delivery (``row``: its alert_id, tier, contact_id, id)."""
    return {
        "alert_id": row["alert_id"],
        "at": now,
        "kind": kind,
        "tier": row["tier"],
        "contact_id": row["contact_id"],
        "delivery_id": row["id"],
        "detail": detail[:500],
    }


def _row(delivery: Delivery) -> dict[str, Any]:
    return {
        "alert_id": delivery.alert_id,
        "tier": delivery.tier,
        "contact_id": delivery.contact_id,
        "id": delivery.id,
    }


def _add_events(session: Session, events: list[dict]) -> None:
    rows = [event for event in events if event["alert_id"] is not None]
    if rows:  # executemany of one cached statement (a multi-row VALUES costs 5× the CPU)
        session.execute(AlertEvent.__table__.insert(), rows)


def queue_delivery(
    session: Session,
    vault: Vault,
    *,
    organisation_id: int,
    data_key_id: int,
    alert_id: int | None,
    contact_id: int | None,
    tier: int | None,
    purpose: str,
    channel: str,
    address: str,
    language: str,
    urgency: int,
    content: Mapping[str, Any],
    idempotency_key: str | None = None,
) -> Delivery:
    """Write one delivery (in the caller's transaction: the outbox row commits with the
    decision or not at all). The content is sealed with the incident's data key."""
    if channel not in CHANNELS:
        raise Invalid(f"Unknown delivery channel {channel!r}.")
    if not address.strip():
        raise Invalid("A delivery needs an address.")
    unknown = set(content) - set(CONTENT_KEYS)
    if unknown or not isinstance(content.get("subject"), str) or "text" not in content:
        raise Invalid(f"Delivery content must have a subject and a text (got {sorted(content)}).")
    if channel == "webhook" and not isinstance(content.get("payload") or {}, dict):
        raise Invalid("A webhook payload must be a JSON object.")
    sealed = vault.seal(data_key_id, json.dumps({k: content.get(k) for k in CONTENT_KEYS}))
    assert sealed is not None
    delivery = Delivery(
        organisation_id=organisation_id,
        alert_id=alert_id,
        contact_id=contact_id,
        tier=tier,
        purpose=purpose[:20],
        channel=channel,
        address=address.strip(),
        language=(language or "en")[:5],
        urgency=max(0, min(3, urgency)),
        idempotency_key=idempotency_key or new_idempotency_key(),
        data_key_id=data_key_id,
        content_sealed=sealed,
    )
    session.add(delivery)
    session.flush()
    if alert_id is not None:
        session.add(
            AlertEvent(
                alert_id=alert_id,
                kind=AlertEventKind.queued,
                tier=tier,
                contact_id=contact_id,
                delivery_id=delivery.id,
                detail=f"{channel} {purpose}",
            )
        )  # flushed with the caller's next statement: one round trip less per recipient
    return delivery


def open_content(vault: Vault, delivery: Delivery) -> dict[str, Any]:
    """The delivery's message; raises ``Withheld`` when its key was destroyed (the person
    was forgotten: the message is gone for good)."""
    return json.loads(vault.open(delivery.data_key_id, delivery.content_sealed) or "{}")


def claim_due(
    session: Session,
    *,
    now: datetime,
    worker_id: str,
    limit: int = 100,
    claim_for: timedelta = timedelta(minutes=5),
) -> list[Delivery]:
    """Claim up to ``limit`` due deliveries for ``claim_for``, most urgent first. Rows
    another worker holds are skipped (PostgreSQL). Deliveries to a contact who unsubscribed,
    or of an alert that was stopped, are cancelled here rather than sent."""
    due = (
        select(Delivery.id)
        .where(
            Delivery.state == DeliveryState.queued,
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        )
        .order_by(Delivery.urgency, Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # One statement: claim and read back (UPDATE … WHERE id IN (SELECT … SKIP LOCKED)
    # RETURNING), one round trip instead of two per batch.
    claimed = session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + claim_for, claimed_by=worker_id[:100])
        .returning(Delivery),
        execution_options={"synchronize_session": False},
    ).all()
    deliveries = sorted(claimed, key=lambda d: (d.urgency, d.next_attempt_at, d.id))
    if not deliveries:
        return []
    stopped = _stopped(session, deliveries)
    for reason, ids in stopped.items():
        _cancel(session, ids=ids, reason=reason, now=now)
    cancelled = {i for ids in stopped.values() for i in ids}
    return [d for d in deliveries if d.id not in cancelled]


def _stopped(session: Session, deliveries: list[Delivery]) -> dict[str, list[int]]:
    contact_ids = {d.contact_id for d in deliveries if d.contact_id is not None}
    alert_ids = {d.alert_id for d in deliveries if d.alert_id is not None}
    opted_out = set(
        session.scalars(
            select(Contact.id).where(
                Contact.id.in_(list(contact_ids)), Contact.opted_out_at.is_not(None)
            )
        )
    )
    ended = set(
        session.scalars(
            select(Alert.id).where(
                Alert.id.in_(list(alert_ids)),
                Alert.status.in_([AlertStatus.resolved, AlertStatus.cancelled]),
            )
        )
    )
    stopped: dict[str, list[int]] = {}
    for d in deliveries:
        if d.contact_id in opted_out:
            stopped.setdefault("the contact unsubscribed", []).append(d.id)
        elif d.alert_id in ended and d.purpose not in AFTER_RESOLUTION:
            stopped.setdefault("the alert was stopped", []).append(d.id)
    return stopped


def release(session: Session, *, delivery_ids: Collection[int]) -> None:
    """Give unsent claimed deliveries back at once (a worker stopping cleanly)."""
    if delivery_ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(list(delivery_ids)), Delivery.state == DeliveryState.queued)
            .values(claimed_until=None, claimed_by=None)
        )


def record_sent(session: Session, *, delivery_ids: Collection[int], now: datetime) -> None:
    """Mark deliveries as handed over (SMTP accepted / webhook answered 2xx) in one
    statement, add their "sent" events, and date the alert's first delivery."""
    ids = list(delivery_ids)
    if not ids:
        return
    rows = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(
            state=DeliveryState.sent,
            sent_at=now,
            attempts=Delivery.attempts + 1,
            claimed_until=None,
            claimed_by=None,
            last_error=None,
        )
        .returning(
            Delivery.id,
            Delivery.alert_id,
            Delivery.tier,
            Delivery.contact_id,
            Delivery.channel,
            Delivery.attempts,
        ),
        execution_options={"synchronize_session": False},
    ).mappings()
    events = [_event(r, "sent", f"{r['channel']}, attempt {r['attempts']}", now) for r in rows]
    _add_events(session, events)
    alert_ids = {e["alert_id"] for e in events if e["alert_id"] is not None}
    if alert_ids:
        session.execute(
            update(Alert)
            .where(Alert.id.in_(list(alert_ids)), Alert.first_delivered_at.is_(None))
            .values(first_delivered_at=now),
            execution_options={"synchronize_session": False},
        )


def record_failure(
    session: Session,
    *,
    delivery_id: int,
    now: datetime,
    error: str,
    permanent: bool,
    policy: RetryPolicy,
    counts: bool = True,
    rng: random.Random | None = None,
) -> Delivery:
    """Retry later, or give up (``permanent``, or the last attempt). ``counts=False`` is for
    failures that are not this delivery's (e-mail not configured): it waits one backoff
    period without using up an attempt, so nothing is dropped while the operator fixes it."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    reason = scrub(error, delivery.address)
    delivery.claimed_until = None
    delivery.claimed_by = None
    delivery.last_error = reason
    if delivery.state != DeliveryState.queued:  # cancelled meanwhile: leave it so
        session.flush()
        return delivery
    if not counts:
        delivery.next_attempt_at = now + policy.base
        session.flush()
        return delivery
    delivery.attempts += 1
    if permanent or delivery.attempts >= policy.max_attempts:
        delivery.state = DeliveryState.failed
        delivery.failed_at = now
        why = "permanent error" if permanent else f"gave up after {delivery.attempts} attempts"
        detail = f"{delivery.channel}, {why}: {reason}"
        kind = AlertEventKind.failed
    else:
        wait = policy.delay(delivery.attempts, rng)
        delivery.next_attempt_at = now + wait
        detail = (
            f"{delivery.channel}, attempt {delivery.attempts} failed: {reason}; "
            f"next try in {int(wait.total_seconds())} s"
        )
        kind = AlertEventKind.retrying
    _add_events(session, [_event(_row(delivery), kind, detail, now)])
    session.flush()
    return delivery


def _cancel(session: Session, *, ids: list[int], reason: str, now: datetime) -> None:
    per_alert = Counter(
        session.scalars(select(Delivery.alert_id).where(Delivery.id.in_(ids))).all()
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.state == DeliveryState.queued)
        .values(state=DeliveryState.cancelled, last_error=reason[:500], claimed_until=None),
        execution_options={"synchronize_session": "fetch"},
    )
    _add_events(
        session,
        [
            {
                "alert_id": alert_id,
                "at": now,
                "kind": AlertEventKind.cancelled,
                "tier": None,
                "contact_id": None,
                "delivery_id": None,
                "detail": f"{count} queued deliveries cancelled: {reason}"[:500],
            }
            for alert_id, count in per_alert.items()
        ],
    )


def cancel_queued(
    session: Session,
    *,
    alert_id: int | None = None,
    contact_id: int | None = None,
    reason: str,
    now: datetime,
    purposes: Collection[str] | None = None,
) -> int:
    """Cancel what has not gone out yet: an alert's deliveries when it is resolved (call it
    before queueing the resolution notices, or pass ``purposes``), or a contact's when they
    unsubscribe. A message already in a worker's hands may still go out."""
    if alert_id is None and contact_id is None:
        raise Invalid("Say whose deliveries to cancel: an alert, a contact or both.")
    query = select(Delivery.id).where(Delivery.state == DeliveryState.queued)
    if alert_id is not None:
        query = query.where(Delivery.alert_id == alert_id)
    if contact_id is not None:
        query = query.where(Delivery.contact_id == contact_id)
    if purposes is not None:
        query = query.where(Delivery.purpose.in_(list(purposes)))
    ids = list(session.scalars(query))
    if ids:
        _cancel(session, ids=ids, reason=reason, now=now)
    return len(ids)


def retry_failed(
    session: Session, *, org_id: int, delivery_id: int, actor_user_id: int, now: datetime
) -> Delivery:
    """A staff member sends a failed delivery again, with a fresh set of attempts."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.organisation_id != org_id:
        raise NotFound("No such delivery.")
    if delivery.state != DeliveryState.failed:
        raise Conflict("Only a failed delivery can be retried.")
    if delivery.contact_id is not None:
        contact = session.get(Contact, delivery.contact_id)
        if contact is not None and contact.opted_out_at is not None:
            raise Conflict("This contact unsubscribed: the delivery cannot be sent again.")
    if delivery.alert_id is not None and delivery.purpose not in AFTER_RESOLUTION:
        alert = session.get(Alert, delivery.alert_id)
        if alert is not None and alert.status in (AlertStatus.resolved, AlertStatus.cancelled):
            raise Conflict("The alert was stopped: its deliveries are no longer sent.")
    delivery.state = DeliveryState.queued
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.failed_at = None
    delivery.claimed_until = None
    delivery.claimed_by = None
    _add_events(session, [_event(_row(delivery), AlertEventKind.retrying, "retry requested", now)])
    record_event(
        session,
        action="delivery.retried",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert_delivery",
        object_id=delivery.id,
        detail={"alert_id": delivery.alert_id, "channel": delivery.channel},
    )
    session.flush()
    return delivery


def failure_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Counts for /healthz (every organisation, numbers only): permanently failed deliveries
    (all, and in the last 24 hours), queued ones and the age of the oldest."""
    counts = dict(
        session.execute(
            select(Delivery.state, func.count())
            .where(Delivery.state.in_([DeliveryState.queued, DeliveryState.failed]))
            .group_by(Delivery.state)
        ).all()
    )
    oldest = session.scalar(
        select(func.min(Delivery.created_at)).where(Delivery.state == DeliveryState.queued)
    )
    recent = session.scalar(
        select(func.count()).where(
            Delivery.state == DeliveryState.failed, Delivery.failed_at >= now - timedelta(days=1)
        )
    )
    age = max(0, int((now - oldest).total_seconds())) if oldest else None
    healthy = not recent and (age is None or age < STALE_QUEUE.total_seconds())
    return {
        "status": "ok" if healthy else "degraded",
        "queued": counts.get(DeliveryState.queued, 0),
        "oldest_queued_seconds": age,
        "failed": counts.get(DeliveryState.failed, 0),
        "failed_last_24h": recent or 0,
    }
