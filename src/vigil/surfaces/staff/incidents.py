"""Staff pages for incidents: list (HTMX-filterable, plain links without JS) and case view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from vigil.access import CaseView
from vigil.incidents.labels import label
from vigil.incidents.models import IncidentStatus
from vigil.incidents.service import case_for_reading, list_incidents, reveal_incident
from vigil.intake.conversations import source_reports, unread_count
from vigil.surfaces.gate import CurrentStaff
from vigil.vocabularies.service import list_terms
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import is_htmx, render

router = APIRouter(prefix="/staff/incidents", include_in_schema=False)


@router.get("", name="incidents.list")
def incidents_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    status: str | None = None,
    attack_type: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    status, attack_type = status or None, attack_type or None
    result = list_incidents(
        session,
        org_id=staff.organisation_id,
        status=status,
        attack_type=attack_type,
        page=page,
    )
    template = "staff/incidents/_table.html" if is_htmx(request) else "staff/incidents/list.html"
    return render(
        request,
        template,
        {
            "staff": staff,
            "result": result,
            "status": status,
            "statuses": list(IncidentStatus),
            "attack_type": attack_type,
            "attack_types": list_terms(session, vocabulary="attack_type"),
            "label": label,
        },
    )


@router.get("/{incident_id}", name="incidents.read")
def incident_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    incident_id: ObjectId,
) -> Response:
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.summary
    )
    context = {
        "staff": staff,
        "incident": incident,
        "revealed": reveal_incident(vault, incident),
        "label": label,
        "reports": source_reports(session, org_id=staff.organisation_id, incident_id=incident.id),
        "unread_count": unread_count,
    }
    return render(request, "staff/incidents/read.html", context)
