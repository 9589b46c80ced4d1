"""The alerts' figures on the dashboard: how long from a case's verification to the first
delivery of its alert (target: under an hour for imminent threats), how long the engine itself
took from the analyst's "send" to the first delivery (it must add only seconds), which
imminent alerts missed the target, and what is failing now."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert, AlertStatus
from vigil.outbox.models import Delivery, DeliveryState

IMMINENT = 0


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None
    p90: float | None


def spread(values: list[float]) -> Spread:
    ordered = sorted(values)
    if not ordered:
        return Spread(0, None, None)
    if len(ordered) == 1:
        p90 = ordered[0]
    else:
        p90 = statistics.quantiles(ordered, n=10, method="inclusive")[-1]
    return Spread(len(ordered), round(statistics.median(ordered), 1), round(p90, 1))


@dataclass
class AlertFigures:
    verification_to_first_minutes: Spread = Spread(0, None, None)
    engine_seconds: Spread = Spread(0, None, None)
    imminent_late: list[tuple[Alert, float]] = field(default_factory=list)
    imminent_waiting: list[Alert] = field(default_factory=list)
    active: int = 0
    failed_deliveries: int = 0


def alert_figures(
    session: Session,
    *,
    org_id: int,
    since: datetime,
    until: datetime,
    now: datetime,
    imminent_target: timedelta,
) -> AlertFigures:
    launched = session.scalars(
        select(Alert).where(
            Alert.organisation_id == org_id,
            Alert.launched_at.is_not(None),
            Alert.launched_at >= since,
            Alert.launched_at < until,
        )
    ).all()
    figures = AlertFigures()
    to_first: list[float] = []
    engine: list[float] = []
    for alert in launched:
        if alert.first_delivered_at is None:
            if alert.urgency == IMMINENT and alert.status == AlertStatus.active:
                figures.imminent_waiting.append(alert)
            continue
        engine.append((alert.first_delivered_at - alert.launched_at).total_seconds())  # type: ignore[operator]
        if alert.verified_at is not None:
            minutes = (alert.first_delivered_at - alert.verified_at).total_seconds() / 60
            to_first.append(minutes)
            if alert.urgency == IMMINENT and minutes > imminent_target.total_seconds() / 60:
                figures.imminent_late.append((alert, round(minutes, 1)))
    figures.verification_to_first_minutes = spread(to_first)
    figures.engine_seconds = spread(engine)
    figures.active = (
        session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.organisation_id == org_id, Alert.status == AlertStatus.active)
        )
        or 0
    )
    figures.failed_deliveries = (
        session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.organisation_id == org_id, Delivery.state == DeliveryState.failed)
        )
        or 0
    )
    return figures
