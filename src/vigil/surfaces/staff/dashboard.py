"""``/staff/dashboard``: what needs attention in the organisation, casework and alerts
together (this layer sees both)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.alerts.dashboard import alert_figures
from vigil.core.db import utcnow
from vigil.surfaces.gate import CurrentStaff
from vigil.surfaces.staff.dashboard_page import dashboard_context
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
    context = dashboard_context(session, staff=staff, settings=settings, since=since, until=until)
    first, last = context["since"], context["until"]
    context["alerts"] = alert_figures(
        session,
        org_id=staff.organisation_id,
        since=datetime.combine(first, time.min, UTC),
        until=datetime.combine(last + timedelta(days=1), time.min, UTC),
        now=utcnow(),
        imminent_target=timedelta(minutes=settings.imminent_target_minutes),
    )
    context["imminent_target_minutes"] = settings.imminent_target_minutes
    return render(request, "staff/dashboard/dashboard.html", context)
