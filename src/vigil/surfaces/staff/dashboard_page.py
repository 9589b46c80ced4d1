"""What the ``/staff/dashboard`` page shows about casework (coordinators, analysts and auditors;
charts drawn by Vigil as SVG, no scripts). The route lives in ``vigil.surfaces.staff.dashboard``,
which adds the alerts' figures: the dashboard is composed by the highest layer it shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from vigil.casework.dashboard import OPEN_CASE_STATUSES, UNASSESSED, bars, build_dashboard
from vigil.casework.labels import label
from vigil.casework.models import RiskLevel
from vigil.casework.referrals import overdue_referrals
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.surfaces.gate import Staff


def dashboard_context(
    session: Session,
    *,
    staff: Staff,
    settings: Settings,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    now = utcnow()
    until = until or now.date()
    since = since or until - timedelta(days=90)
    board = build_dashboard(
        session,
        org_id=staff.organisation_id,
        since=datetime.combine(since, time.min, UTC),
        until=datetime.combine(until + timedelta(days=1), time.min, UTC),
        now=now,
        triage_target=timedelta(hours=settings.triage_target_hours),
        imminent_target=timedelta(minutes=settings.imminent_target_minutes),
        stale_after=timedelta(days=settings.stale_case_days),
    )
    risk_order = [*(level.value for level in reversed(list(RiskLevel))), UNASSESSED]
    return {
        "staff": staff,
        "board": board,
        "since": since,
        "until": until,
        "label": label,
        "overdue_referrals": overdue_referrals(
            session, org_id=staff.organisation_id, today=now.date(), now=now
        ),
        "risk_bars": bars(board.by_risk, risk_order),
        "status_bars": bars(board.by_status, [str(s) for s in OPEN_CASE_STATUSES]),
    }
