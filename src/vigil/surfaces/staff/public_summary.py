"""Writing and reviewing an incident's public summary, on the incident page (plain forms).

One staff member writes it; another reviews it (the writer's own review is refused); only a
reviewed summary reaches the public register (``incidents.public_summary``). A refusal shows
the incident page again with the reason and the text as typed, nothing saved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from vigil.access import CaseView
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import gettext
from vigil.incidents.public_summary import (
    MAX_LENGTH,
    review_public_summary,
    write_public_summary,
)
from vigil.incidents.service import case_for_reading
from vigil.surfaces.gate import Staff, require_writer
from vigil.surfaces.staff.incidents import _incident_page
from vigil.web.deps import DbSession, ObjectId, RequestVault

router = APIRouter(prefix="/staff/incidents", include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


def _refused(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Staff,
    incident_id: int,
    error: Exception,
    text: str | None = None,
) -> Response:
    return _incident_page(
        request,
        session,
        vault,
        staff,
        incident_id,
        error=gettext(str(error)),
        status_code=422 if isinstance(error, Invalid) else 409,
        public_summary_draft=text,
    )


@router.post("/{incident_id}/public-summary", name="incidents.public_summary")
def write(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    text: Annotated[str, Form(max_length=MAX_LENGTH + 500)] = "",
) -> Response:
    case_for_reading(session, actor=staff.actor, incident_id=incident_id, view=CaseView.summary)
    try:
        with session.begin_nested():
            write_public_summary(
                session,
                vault=vault,
                org_id=staff.organisation_id,
                incident_id=incident_id,
                text=text,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as error:
        return _refused(request, session, vault, staff, incident_id, error, text)
    return RedirectResponse(
        f"/staff/incidents/{incident_id}?done=summary_saved#public-summary", status_code=303
    )


@router.post("/{incident_id}/public-summary/review", name="incidents.public_summary_review")
def review(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
) -> Response:
    case_for_reading(session, actor=staff.actor, incident_id=incident_id, view=CaseView.summary)
    try:
        with session.begin_nested():
            review_public_summary(
                session,
                vault=vault,
                org_id=staff.organisation_id,
                incident_id=incident_id,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as error:
        return _refused(request, session, vault, staff, incident_id, error)
    return RedirectResponse(
        f"/staff/incidents/{incident_id}?done=summary_reviewed#public-summary",
        status_code=303,
    )
