"""``/api/v1/incidents/{id}/leverage``: everyone with leverage over one incident's companies as
JSON, in the same shape as a company's map (``vigil.surfaces.api.company_leverage``). Staff only;
another organisation's incident is a 404."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.access import CaseView
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.service import case_for_reading
from vigil.surfaces.api.company_leverage import LeverageOut, LeverageProblem, leverage_out
from vigil.surfaces.gate import CurrentStaff
from vigil.surfaces.leverage_query import Depth, Threshold
from vigil.web.deps import DbSession, ObjectId

router = APIRouter(
    prefix="/api/v1",
    tags=["leverage"],
    responses={401: {"model": LeverageProblem, "description": "Sign in required."}},
)


@router.get(
    "/incidents/{incident_id}/leverage",
    name="leverage.api_incident",
    response_model=LeverageOut,
    responses={
        404: {"model": LeverageProblem, "description": "No such incident in your organisation."}
    },
)
def api_incident_leverage(
    incident_id: ObjectId,
    session: DbSession,
    staff: CurrentStaff,
    max_depth: Depth = 4,
    min_percentage: Threshold = 0.0,
) -> LeverageOut:
    """Everyone with leverage over the companies of one incident, ranked and explained."""
    case_for_reading(session, actor=staff.actor, incident_id=incident_id, view=CaseView.leverage)
    lmap = leverage_for_incident(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        max_depth=max_depth,
        min_percentage=min_percentage,
    )
    return leverage_out(lmap)
