"""The alerts' side of the outbox: what happens to a delivery goes on its alert's timeline, and
a stopped alert's deliveries no longer go out.

The outbox sits below the alerts (they queue deliveries through it), so it never imports them;
whoever drives it passes :data:`ALERT_TIMELINE` (``outbox.service.DeliveryTimeline``). Events
carry the outcome and its reason, never an address or the message content.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.alerts.consent_stop import halt_if_unconsented
from vigil.alerts.models import Alert, AlertEvent, AlertEventKind, AlertStatus
from vigil.core.db import utcnow

#: An alert in one of these states sends nothing more (but its resolution notices).
ENDED = (AlertStatus.resolved, AlertStatus.cancelled, AlertStatus.suspended)


class AlertTimeline:
    """``outbox.service.DeliveryTimeline`` for alert deliveries."""

    def record(self, session: Session, events: Collection[Mapping[str, Any]]) -> None:
        """Add the events in the caller's transaction. One event (a delivery queued, one
        failure) is written with the session's next flush, a round trip less per recipient;
        several (a batch of outcomes) in one executemany of one cached statement (a multi-row
        VALUES costs 5× the CPU). An alert's first "sent" dates its first delivery."""
        rows = [dict(event) for event in events]
        if len(rows) == 1:
            session.add(AlertEvent(**rows[0]))
        elif rows:
            session.execute(AlertEvent.__table__.insert(), rows)
        sent = [row for row in rows if row["kind"] == AlertEventKind.sent]
        if sent:
            session.execute(
                update(Alert)
                .where(
                    Alert.id.in_(list({row["alert_id"] for row in sent})),
                    Alert.first_delivered_at.is_(None),
                )
                .values(first_delivered_at=sent[0]["at"]),
                execution_options={"synchronize_session": False},
            )

    def stopped(self, session: Session, alert_ids: Collection[int]) -> set[int]:
        """The alerts among ``alert_ids`` that were resolved, cancelled or suspended. Asked
        right before a batch is sent, so the consent of each still-active alert is checked
        again here, and one that no longer holds is suspended at once
        (alerts/consent_stop.py): its deliveries in the batch are not sent."""
        if not alert_ids:
            return set()
        alerts = session.scalars(select(Alert).where(Alert.id.in_(list(alert_ids)))).all()
        now = utcnow()
        for alert in alerts:
            halt_if_unconsented(session, alert=alert, now=now, timeline=self)
        return {alert.id for alert in alerts if alert.status in ENDED}


ALERT_TIMELINE = AlertTimeline()
