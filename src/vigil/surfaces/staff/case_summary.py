"""The case page's summary header: what a responder must see before scrolling (who is at
risk, how much and which way it is going, who owns the case, the last sign of life, what is
open and which alerts run), gathered from the domains in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.labels import template_labels
from vigil.alerts.models import Alert
from vigil.casework.models import RiskAssessment, RiskLevel
from vigil.casework.risk import ORDER
from vigil.checkins.models import CheckIn, CheckInSchedule
from vigil.incidents.models import Incident

UP, DOWN, SAME = "up", "down", "same"


def risk_trend(assessments: list[RiskAssessment]) -> str | None:
    """How the current assessment compares with the one before it (None without two)."""
    if len(assessments) < 2:
        return None
    now, before = (ORDER.index(RiskLevel(a.level)) for a in assessments[:2])
    return UP if now > before else DOWN if now < before else SAME


def summary_context(
    session: Session, *, incident: Incident, assessments: list[RiskAssessment]
) -> dict[str, Any]:
    """``assessments`` newest first, as the case page already loads them."""
    aliases = sorted({act.victim.alias for act in incident.acts if act.victim is not None})
    last_check_in = session.scalar(
        select(CheckIn)
        .join(CheckInSchedule, CheckInSchedule.id == CheckIn.schedule_id)
        .where(CheckInSchedule.incident_id == incident.id)
        .order_by(CheckIn.at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    alerts = session.scalars(
        select(Alert).where(Alert.incident_id == incident.id).order_by(Alert.id.desc())
    ).all()
    return {
        "summary": {
            "aliases": aliases,
            "trend": risk_trend(assessments),
            "last_check_in": last_check_in,
            "alerts": alerts,
        },
        "alert_status_label": template_labels()["alert_status_label"],
    }
