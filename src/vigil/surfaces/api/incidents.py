"""``/api/v1/incidents``: the staff JSON API over the same service functions as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from vigil.access import CaseView
from vigil.incidents.models import IncidentStatus
from vigil.incidents.schemas import IncidentList, IncidentRead, IncidentSummary
from vigil.incidents.service import case_for_reading, list_incidents, reveal_incident
from vigil.surfaces.gate import CurrentStaff
from vigil.web.deps import DbSession, ObjectId, RequestVault


class Problem(BaseModel):
    detail: str


router = APIRouter(
    prefix="/api/v1/incidents",
    tags=["incidents"],
    responses={401: {"model": Problem, "description": "Sign in required."}},
)


@router.get("", name="incidents.api_list", response_model=IncidentList)
def api_list_incidents(
    session: DbSession,
    staff: CurrentStaff,
    status: IncidentStatus | None = None,
    attack_type: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_]*$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> IncidentList:
    """Incidents of the signed-in user's organisation, newest first; ``attack_type`` (a code
    of the attack-type vocabulary) keeps those with at least one act of that type."""
    result = list_incidents(
        session,
        org_id=staff.organisation_id,
        status=status.value if status else None,
        attack_type=attack_type or None,
        page=page,
        per_page=per_page,
    )
    return IncidentList(
        items=[IncidentSummary.of(i) for i in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )


@router.get(
    "/{incident_id}",
    name="incidents.api_read",
    response_model=IncidentRead,
    responses={404: {"model": Problem, "description": "No such incident in your organisation."}},
)
def api_read_incident(
    incident_id: ObjectId, session: DbSession, vault: RequestVault, staff: CurrentStaff
) -> IncidentRead:
    """One incident of the user's organisation (404 for any other organisation's)."""
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.summary
    )
    return IncidentRead.of(incident, reveal_incident(vault, incident))
