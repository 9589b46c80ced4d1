"""Staff pages for incidents: list (HTMX-filterable, plain links without JS) and case view."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vigil.accounts.deps import CurrentStaff
from vigil.incidents.labels import label
from vigil.incidents.models import IncidentStatus
from vigil.incidents.service import get_incident, list_incidents
from vigil.web.deps import DbSession
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/incidents")


@router.get("", name="incidents.list")
def incidents_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    status: str | None = None,
    page: int = 1,
) -> Response:
    status = status or None
    result = list_incidents(session, org_id=staff.organisation_id, status=status, page=page)
    template = "incidents/_table.html" if is_htmx(request) else "incidents/list.html"
    return render(
        request,
        template,
        {
            "staff": staff,
            "result": result,
            "status": status,
            "statuses": list(IncidentStatus),
            "label": label,
        },
    )


@router.get("/{incident_id}", name="incidents.read")
def incident_page(
    request: Request, session: DbSession, staff: CurrentStaff, incident_id: int
) -> Response:
    incident = get_incident(
        session, org_id=staff.organisation_id, incident_id=incident_id, actor_user_id=staff.user_id
    )
    return render(
        request, "incidents/read.html", {"staff": staff, "incident": incident, "label": label}
    )
