"""What ``/healthz`` says about the outbox (every organisation, numbers only): for alert
deliveries and for staff e-mail alike, how many wait and since when, and how many were given
up. A message given up in the last day, or one waiting longer than ``STALE_QUEUE``, makes the
check "degraded": either means someone was not told (an urgent report's responders included).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.outbox.models import Delivery, DeliveryState
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.outbox.staff_page_models import OutboundPage

#: A message queued for longer than this makes /healthz say "degraded".
STALE_QUEUE = timedelta(minutes=15)


def _summary(
    *, now: datetime, queued: int, oldest: datetime | None, failed: int, recent: int
) -> dict[str, Any]:
    age = max(0, int((now - oldest).total_seconds())) if oldest else None
    healthy = not recent and (age is None or age < STALE_QUEUE.total_seconds())
    return {
        "status": "ok" if healthy else "degraded",
        "queued": queued,
        "oldest_queued_seconds": age,
        "failed": failed,
        "failed_last_24h": recent,
    }


def failure_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Alert deliveries: permanently failed (all, and in the last 24 hours), queued ones and
    the age of the oldest."""
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
    return _summary(
        now=now,
        queued=counts.get(DeliveryState.queued, 0),
        oldest=oldest,
        failed=counts.get(DeliveryState.failed, 0),
        recent=recent or 0,
    )


def staff_email_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Staff e-mail, counted the same way as alert deliveries."""
    waiting = (OutboundEmail.sent_at.is_(None), OutboundEmail.failed_at.is_(None))
    queued, oldest = session.execute(
        select(func.count(), func.min(OutboundEmail.created_at)).where(*waiting)
    ).one()
    failed, recent = session.execute(
        select(
            func.count(),
            func.count().filter(OutboundEmail.failed_at >= now - timedelta(days=1)),
        ).where(OutboundEmail.failed_at.is_not(None))
    ).one()
    return _summary(now=now, queued=queued, oldest=oldest, failed=failed, recent=recent or 0)


def staff_page_summary(session: Session, *, now: datetime) -> dict[str, Any]:
    """Staff SMS, voice and Signal pages, counted the same way as staff e-mail."""
    waiting = (OutboundPage.sent_at.is_(None), OutboundPage.failed_at.is_(None))
    queued, oldest = session.execute(
        select(func.count(), func.min(OutboundPage.created_at)).where(*waiting)
    ).one()
    failed, recent = session.execute(
        select(
            func.count(),
            func.count().filter(OutboundPage.failed_at >= now - timedelta(days=1)),
        ).where(OutboundPage.failed_at.is_not(None))
    ).one()
    return _summary(now=now, queued=queued, oldest=oldest, failed=failed, recent=recent or 0)


#: The outbox's checks for ``app.state.health_checks`` (name → function of session and time).
HEALTH_CHECKS: dict[str, Callable[..., dict[str, Any]]] = {
    "deliveries": failure_summary,
    "staff_email": staff_email_summary,
    "staff_pages": staff_page_summary,
}
