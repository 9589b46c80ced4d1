"""The deliveries table is the outbox: a decision to send writes ``Delivery`` rows in the
same transaction as the decision, and ``vigil worker`` (outbox/sender.py) sends them, at
least once.

Why this shape:
- Nothing is sent from a web request or held in memory: a killed worker loses nothing. A
  worker claims due rows for ``delivery_claim_seconds``; if it dies, the claim expires and
  another worker re-sends. The re-send carries the same ``idempotency_key`` (the e-mail's
  Message-ID, the webhook's ``webhook-id``), so receivers can drop the duplicate.
- Several workers share the table on PostgreSQL (``FOR UPDATE SKIP LOCKED``: each row goes to
  one worker; ``outbox/claiming.py``, the same rule as staff e-mail); SQLite has one writer,
  so run one worker there.
- Failures are retried with exponential backoff and full jitter (so a thousand messages that
  failed together do not all come back at the same second), and given up after
  ``delivery_max_attempts`` or at once for errors that retrying cannot fix. A failed delivery
  stays visible (``/staff/deliveries``, ``/healthz``) until someone retries it.
- The alert timeline records every outcome with its reason, never an address or the message
  content. The outbox sits below the alerts (they queue through it), so it never imports
  them: the caller passes a :class:`DeliveryTimeline` (``alerts.delivery_timeline``), which
  also says which alerts were stopped.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.outbox.claiming import claim_rows, release_rows
from vigil.outbox.models import Delivery, DeliveryState
from vigil.outbox.retry import RetryPolicy, scrub

CHANNELS = ("email", "webhook")
#: ``reply_to``: the organisation's contact address (e-mail's Reply-To), optional.
CONTENT_KEYS = ("subject", "text", "html", "unsubscribe_url", "payload", "reply_to")
#: Deliveries that still go out after their alert was resolved (they announce it).
AFTER_RESOLUTION = ("resolution",)


class DeliveryTimeline(Protocol):
    """The owner of the deliveries' ``alert_id``: told what happens to each delivery, and
    asked which alerts were stopped (their deliveries no longer go out)."""

    def record(self, session: Session, events: Collection[Mapping[str, Any]]) -> None:
        """Add these events (alert_id, at, kind, tier, contact_id, delivery_id, detail; kind
        one of queued, sent, retrying, failed, cancelled) in the caller's transaction."""

    def stopped(self, session: Session, alert_ids: Collection[int]) -> set[int]:
        """Those of ``alert_ids`` whose deliveries must no longer go out."""


def new_idempotency_key() -> str:
    return f"vigil-{uuid.uuid4()}"


def _event(row: Mapping[str, Any], kind: str, detail: str, now: datetime) -> dict[str, Any]:
    """A timeline event for one delivery (``row``: its alert_id, tier, contact_id, id)."""
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


def _add_events(session: Session, timeline: DeliveryTimeline, events: list[dict]) -> None:
    rows = [event for event in events if event["alert_id"] is not None]
    if rows:
        timeline.record(session, rows)


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
    timeline: DeliveryTimeline,
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
    queued = _event(_row(delivery), "queued", f"{channel} {purpose}", utcnow())
    _add_events(session, timeline, [queued])  # the timeline writes one event with the next flush
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
    timeline: DeliveryTimeline,
) -> list[Delivery]:
    """Claim up to ``limit`` due deliveries for ``claim_for``, most urgent first. Rows
    another worker holds are skipped (PostgreSQL). Deliveries to a contact who unsubscribed,
    or of an alert that was stopped, are cancelled here rather than sent."""
    claimed = claim_rows(
        session,
        Delivery,
        due=(Delivery.state == DeliveryState.queued, Delivery.next_attempt_at <= now),
        order_by=(Delivery.urgency, Delivery.next_attempt_at, Delivery.id),
        now=now,
        worker_id=worker_id,
        claim_for=claim_for,
        limit=limit,
    )
    deliveries = sorted(claimed, key=lambda d: (d.urgency, d.next_attempt_at, d.id))
    if not deliveries:
        return []
    stopped = _stopped(session, timeline, deliveries)
    for reason, ids in stopped.items():
        _cancel(session, timeline, ids=ids, reason=reason, now=now)
    cancelled = {i for ids in stopped.values() for i in ids}
    return [d for d in deliveries if d.id not in cancelled]


def _stopped(
    session: Session, timeline: DeliveryTimeline, deliveries: list[Delivery]
) -> dict[str, list[int]]:
    contact_ids = {d.contact_id for d in deliveries if d.contact_id is not None}
    alert_ids = {d.alert_id for d in deliveries if d.alert_id is not None}
    opted_out = set(
        session.scalars(
            select(Contact.id).where(
                Contact.id.in_(list(contact_ids)), Contact.opted_out_at.is_not(None)
            )
        )
    )
    ended = timeline.stopped(session, alert_ids)
    stopped: dict[str, list[int]] = {}
    for d in deliveries:
        if d.contact_id in opted_out:
            stopped.setdefault("the contact unsubscribed", []).append(d.id)
        elif d.alert_id in ended and d.purpose not in AFTER_RESOLUTION:
            stopped.setdefault("the alert was stopped", []).append(d.id)
    return stopped


def release(session: Session, *, delivery_ids: Collection[int]) -> None:
    """Give unsent claimed deliveries back at once (a worker stopping cleanly)."""
    release_rows(session, Delivery, ids=delivery_ids, still=Delivery.state == DeliveryState.queued)


def record_sent(
    session: Session, *, delivery_ids: Collection[int], now: datetime, timeline: DeliveryTimeline
) -> None:
    """Mark deliveries as handed over (SMTP accepted / webhook answered 2xx) in one
    statement and add their "sent" events (the timeline dates the alert's first delivery)."""
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
    _add_events(session, timeline, events)


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
    timeline: DeliveryTimeline,
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
        kind = "failed"
    else:
        wait = policy.delay(delivery.attempts, rng)
        delivery.next_attempt_at = now + wait
        detail = (
            f"{delivery.channel}, attempt {delivery.attempts} failed: {reason}; "
            f"next try in {int(wait.total_seconds())} s"
        )
        kind = "retrying"
    _add_events(session, timeline, [_event(_row(delivery), kind, detail, now)])
    session.flush()
    return delivery


def _cancel(
    session: Session, timeline: DeliveryTimeline, *, ids: list[int], reason: str, now: datetime
) -> None:
    # Only rows still queued: one cancelled meanwhile (its alert stopped) is not counted twice.
    per_alert = Counter(
        session.scalars(
            select(Delivery.alert_id).where(
                Delivery.id.in_(ids), Delivery.state == DeliveryState.queued
            )
        ).all()
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.state == DeliveryState.queued)
        .values(state=DeliveryState.cancelled, last_error=reason[:500], claimed_until=None),
        execution_options={"synchronize_session": "fetch"},
    )
    _add_events(
        session,
        timeline,
        [
            {
                "alert_id": alert_id,
                "at": now,
                "kind": "cancelled",
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
    timeline: DeliveryTimeline,
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
        _cancel(session, timeline, ids=ids, reason=reason, now=now)
    return len(ids)


def retry_failed(
    session: Session,
    *,
    org_id: int,
    delivery_id: int,
    actor_user_id: int,
    now: datetime,
    timeline: DeliveryTimeline,
) -> Delivery:
    """A staff member sends a failed delivery again, with a fresh set of attempts."""
    delivery = load_in_org(
        session, Delivery, delivery_id, org_id=org_id, missing="No such delivery."
    )
    if delivery.state != DeliveryState.failed:
        raise Conflict("Only a failed delivery can be retried.")
    if delivery.contact_id is not None:
        contact = session.get(Contact, delivery.contact_id)
        if contact is not None and contact.opted_out_at is not None:
            raise Conflict("This contact unsubscribed: the delivery cannot be sent again.")
    if delivery.alert_id is not None and delivery.purpose not in AFTER_RESOLUTION:
        stopped = timeline.stopped(session, [delivery.alert_id])
        if stopped:
            raise Conflict("The alert was stopped: its deliveries are no longer sent.")
    delivery.state = DeliveryState.queued
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.failed_at = None
    delivery.claimed_until = None
    delivery.claimed_by = None
    _add_events(session, timeline, [_event(_row(delivery), "retrying", "retry requested", now)])
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
