"""``/staff/dashboard``: what needs attention in the organisation (coordinators, analysts and
auditors; charts drawn by Vigil as SVG, no scripts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.accounts.deps import CurrentStaff
from vigil.casework.dashboard import OPEN_CASE_STATUSES, UNASSESSED, bars, build_dashboard
from vigil.casework.labels import label
from vigil.casework.models import RiskLevel
from vigil.casework.referrals import overdue_referrals
from vigil.core.db import utcnow
from vigil.web.deps import AppSettings, DbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/staff/dashboard", name="casework.dashboard")
def dashboard_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    settings: AppSettings,
    since: date | None = None,
    until: date | None = None,
) -> Response:
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
    return render(
        request,
        "casework/dashboard.html",
        {
            "staff": staff,
            "board": board,
            "since": since,
            "until": until,
            "label": label,
            "overdue_referrals": overdue_referrals(
                session, org_id=staff.organisation_id, today=now.date()
            ),
            "risk_bars": bars(board.by_risk, risk_order),
            "status_bars": bars(board.by_status, [str(s) for s in OPEN_CASE_STATUSES]),
        },
    )
