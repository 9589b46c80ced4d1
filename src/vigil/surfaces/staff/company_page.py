"""Staff pages that join the registry and the reader's cases: a company's page (the registry's
facts plus the reader's organisation's incidents involving it) and an incident's leverage map.

They live here, above the registry, because they read incidents; the registry modules only
gather the registry's part (``companies.views.company_context``,
``surfaces.staff.leverage.leverage_page``), so ``vigil.companies`` never reads cases.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from vigil.access import CaseView
from vigil.incidents.labels import label as incident_label
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.service import case_for_reading, list_incidents_for_company
from vigil.surfaces.gate import CurrentStaff
from vigil.surfaces.leverage_query import Depth, Threshold
from vigil.surfaces.staff.companies import company_context
from vigil.surfaces.staff.leverage import leverage_page
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/companies/{company_id}", name="companies.read")
def company_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    company_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    context = company_context(session, staff=staff, company_id=company_id, done=done)
    context["incidents"] = list_incidents_for_company(
        session, org_id=staff.organisation_id, company_id=company_id
    )
    context["status_label"] = incident_label
    return render(request, "staff/companies/read.html", context)


@router.get("/incidents/{incident_id}/leverage", name="leverage.incident")
def incident_leverage_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    incident_id: ObjectId,
    max_depth: Depth = 4,
    min_percentage: Threshold = 0.0,
) -> Response:
    case_for_reading(session, actor=staff.actor, incident_id=incident_id, view=CaseView.leverage)
    lmap = leverage_for_incident(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        max_depth=max_depth,
        min_percentage=min_percentage,
    )
    return leverage_page(request, staff, lmap, back=f"/staff/incidents/{incident_id}")
