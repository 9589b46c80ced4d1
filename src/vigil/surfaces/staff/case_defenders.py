"""The defenders of a case, as staff reach them: their languages and the times it is safe to
contact them (``casework.defender_reach``), edited from the case page's persons section. A plain
form: it works with JavaScript off and comes back to the section it was sent from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.casework.defender_reach import update_defender_reach
from vigil.defenders.service import CONTACT_TIMES_LIMIT
from vigil.surfaces.gate import Staff, require_writer
from vigil.web.deps import DbSession, ObjectId, RequestVault

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


@router.post(
    "/staff/incidents/{incident_id}/defenders/{defender_id}/reach",
    name="casework.defender_reach",
)
def defender_reach(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    defender_id: ObjectId,
    languages: Annotated[str, Form(max_length=200)] = "",
    contact_times: Annotated[str, Form(max_length=CONTACT_TIMES_LIMIT)] = "",
) -> Response:
    update_defender_reach(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        defender_id=defender_id,
        languages=languages,
        contact_times=contact_times,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/case?done=reach#defender-{defender_id}-reach",
        status_code=303,
    )
