"""Worker tasks for alerts: move escalation chains whose wait has passed, and stop the alerts
of cases an analyst resolved (their recipients get the closing message: alerts/closing.py).
Both run on every poll of ``vigil worker``; both are cheap when there is nothing to do
(indexed on ``chain_due_at`` and on status).

Several workers may run at once: on PostgreSQL due alerts are claimed with
``FOR UPDATE SKIP LOCKED``, so each chain step is taken by one worker only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.chain import run_chain
from vigil.alerts.closing import resolve_alert
from vigil.alerts.consent_stop import cancel_withdrawn_types, halt_if_unconsented
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.facts import facts_for
from vigil.alerts.models import Alert, AlertStatus
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.incidents.models import Incident, IncidentStatus
from vigil.outbox.models import Delivery, DeliveryState

#: Case statuses that end every alert of the case ("until the case is resolved").
ENDS_ALERTS = (
    IncidentStatus.resolved,
    IncidentStatus.closed,
    IncidentStatus.rejected,
    IncidentStatus.duplicate,
)


def _locked(session: Session, query):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=Alert)
    return query


def stop_alerts_of_resolved_cases(
    session: Session, vault: Vault, settings: Settings, *, now: datetime
) -> int:
    query = (
        select(Alert, Incident.status)
        .join(Incident, Incident.id == Alert.incident_id)
        .where(Alert.status == AlertStatus.active, Incident.status.in_(ENDS_ALERTS))
        .limit(100)
    )
    rows = session.execute(_locked(session, query)).all()
    for alert, status in rows:
        resolve_alert(
            session,
            vault,
            settings,
            alert=alert,
            reason=f"case {status}",
            actor_user_id=None,
            now=now,
        )
    return len(rows)


def hold_unconsented_deliveries(session: Session, *, now: datetime) -> int:
    """Stop the alerts with something still queued whose consent no longer holds at ``now``
        (alerts/consent_stop.py: "record only", ``store`` withdrawn, forgotten, the defender's
        own strategy gone, an emergency exception that expired or was withdrawn), and cancels
    what is queued for a recipient type whose own consent scope was withdrawn. Runs before
        every send of the worker (and at once when an exception is withdrawn), so a queued
        message never goes out on a lapsed permission. Returns how many were cancelled."""
    alert_ids = session.scalars(
        select(Alert.id)
        .join(Delivery, Delivery.alert_id == Alert.id)
        .where(Alert.status == AlertStatus.active, Delivery.state == DeliveryState.queued)
        .distinct()
    ).all()
    cancelled = 0
    for alert_id in alert_ids:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        halted = halt_if_unconsented(session, alert=alert, now=now, timeline=ALERT_TIMELINE)
        if halted is None:  # still allowed: one recipient type's scope may have gone
            halted = cancel_withdrawn_types(session, alert=alert, now=now, timeline=ALERT_TIMELINE)
        cancelled += halted
    return cancelled


def advance_alerts(
    session: Session, vault: Vault, settings: Settings, *, now: datetime, limit: int = 50
) -> int:
    """Stop alerts of finished cases, then run every chain step that is due; returns how
    many alerts moved."""
    hold_unconsented_deliveries(session, now=now)
    moved = stop_alerts_of_resolved_cases(session, vault, settings, now=now)
    query = (
        select(Alert)
        .where(
            Alert.status == AlertStatus.active,
            Alert.chain_due_at.is_not(None),
            Alert.chain_due_at <= now,
        )
        .order_by(Alert.urgency, Alert.chain_due_at, Alert.id)
        .limit(limit)
    )
    for alert in session.scalars(_locked(session, query)).all():
        # The consent is asked again before any later tier is queued.
        if halt_if_unconsented(session, alert=alert, now=now, timeline=ALERT_TIMELINE) is not None:
            moved += 1
            continue
        incident = session.get(Incident, alert.incident_id)
        assert incident is not None
        run_chain(
            session,
            vault,
            settings,
            alert=alert,
            facts=facts_for(session, vault, alert),
            data_key_id=incident.data_key_id,
            now=now,
        )
        moved += 1
    return moved
