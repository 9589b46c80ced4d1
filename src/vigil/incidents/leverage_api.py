"""``/api/v1/incidents/{id}/leverage``: everyone with leverage over one incident's companies as
JSON, in the same shape as a company's map (``vigil.companies.leverage_api``). Staff only;
another organisation's incident is a 404."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.accounts.deps import CurrentStaff
from vigil.companies.leverage_api import (
    Depth,
    LeverageOut,
    LeverageProblem,
    Threshold,
    leverage_out,
)
from vigil.incidents.leverage import leverage_for_incident
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
    lmap = leverage_for_incident(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        max_depth=max_depth,
        min_percentage=min_percentage,
        viewer_user_id=staff.user_id,
    )
    return leverage_out(lmap)
