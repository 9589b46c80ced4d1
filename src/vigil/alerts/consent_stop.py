"""When the consent that allowed a launched alert no longer holds, the alert stops.

Consent is checked when an alert is drafted, written and launched, but it can change after
the launch: a victim (or anyone relaying for them) records "record only" or withdraws
``store``, the defender's own strategy is superseded, their name may no longer be said, the
person is forgotten, or the emergency exception it went out on expires or is withdrawn.
From that instant nothing more of the alert may go out, so the one question
:func:`vigil.alerts.facts.send_refusal` is asked again

1. by the worker before each later tier of the chain is queued (alerts/jobs.py), and
2. by the worker right before it sends a batch of queued deliveries (the outbox asks the
   alert timeline which alerts are stopped: alerts/delivery_timeline.py).

When it fails, :func:`halt_if_unconsented` cancels what is still queued (with the reason,
on the timeline and the deliveries page), suspends the alert (no further step, ever; the
reason on the alert and in the audit log) and raises one urgent inbox item for the case
team. Recipients already reached are not contacted again automatically: whether and how to
tell them is a human decision, made with the defender where possible.

A consent that still allows the alert may no longer cover one kind of recipient (the
defender withdrew, or let expire, the scope for state mechanisms, UN bodies, funders or the
media: facts.RECIPIENT_SCOPES). :func:`cancel_withdrawn_types` then cancels only those
recipients' queued deliveries, with the reason on the timeline, and audits it; the alert
goes on for everyone else.

The outbox sits below the alerts, so the caller passes the delivery timeline in (it is also
the one calling from inside the outbox).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.event_details import CONSENT_STOPPED, SCOPE_WITHDRAWN
from vigil.alerts.facts import NOT_NAMED, RECORD_ONLY, recipient_consented, send_refusal
from vigil.alerts.models import Alert, AlertEvent, AlertEventKind, AlertStatus
from vigil.alerts.recipient_types import recipient_type
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.outbox.models import Delivery, DeliveryState
from vigil.outbox.service import DeliveryTimeline, cancel_queued


def _why(refusal: str) -> str:
    """A short code for the audit log (which never carries free text about the person)."""
    if refusal == RECORD_ONLY:
        return "refused"
    if refusal == NOT_NAMED:
        return "not_named"
    return "no_consent"


def halt_if_unconsented(
    session: Session, *, alert: Alert, now: datetime, timeline: DeliveryTimeline
) -> int | None:
    """Stop ``alert`` when its consent no longer holds at ``now``; returns how many queued
    deliveries were cancelled, or None when the alert may still send. An alert that is not
    active is left alone (nothing of it is sent anyway)."""
    if alert.status != AlertStatus.active:
        return None
    refusal = send_refusal(session, alert=alert, at=now)
    if refusal is None:
        return None
    cancelled = cancel_queued(
        session, alert_id=alert.id, reason=CONSENT_STOPPED, now=now, timeline=timeline
    )
    alert.status = AlertStatus.suspended
    alert.chain_due_at = None
    alert.stop_reason = CONSENT_STOPPED
    session.add(
        AlertEvent(alert_id=alert.id, at=now, kind=AlertEventKind.suspended, detail=CONSENT_STOPPED)
    )
    session.flush()
    record_event(
        session,
        action="alert.suspended",
        organisation_id=alert.organisation_id,
        actor_user_id=None,
        object_type="alert",
        object_id=alert.id,
        detail={"why": _why(refusal), "cancelled_deliveries": cancelled},
    )
    raise_item(
        session,
        org_id=alert.organisation_id,
        kind=InboxKind.consent_stopped,
        object_type="alert",
        object_id=alert.id,
        path=f"/staff/alerts/{alert.id}",
        source_key=f"alert:{alert.id}:consent-stopped",
        urgent=True,
        now=now,
    )
    return cancelled


def cancel_withdrawn_types(
    session: Session, *, alert: Alert, now: datetime, timeline: DeliveryTimeline
) -> int:
    """Cancel the queued deliveries of ``alert`` to recipients whose type's consent scope
    no longer holds at ``now``; the others go on. Returns how many were cancelled."""
    if alert.status != AlertStatus.active:
        return 0
    contacts = session.execute(
        select(Contact.id, Contact.kind, Contact.role)
        .join(Delivery, Delivery.contact_id == Contact.id)
        .where(Delivery.alert_id == alert.id, Delivery.state == DeliveryState.queued)
        .distinct()
    ).all()
    per_type: Counter[str] = Counter()
    for contact_id, kind, role in contacts:
        if recipient_consented(
            session, incident_id=alert.incident_id, kind=kind, role=role, at=now
        ):
            continue
        per_type[recipient_type(kind=kind, role=role) or "other"] += cancel_queued(
            session,
            alert_id=alert.id,
            contact_id=contact_id,
            reason=SCOPE_WITHDRAWN,
            now=now,
            timeline=timeline,
        )
    total = sum(per_type.values())
    if total:
        record_event(
            session,
            action="alert.recipients_withheld",
            organisation_id=alert.organisation_id,
            actor_user_id=None,
            object_type="alert",
            object_id=alert.id,
            detail={"types": sorted(per_type), "cancelled_deliveries": total},
        )
    return total
