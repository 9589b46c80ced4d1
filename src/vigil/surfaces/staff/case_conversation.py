"""Answering the reporter from the case page: the conversation belongs to the case, so the
analyst need not go back to the report. Same rules as on the report page (writers only, an
empty message is refused and the form comes back with what was typed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.intake.triage import reply_to_reporter
from vigil.surfaces.gate import Staff, require_writer
from vigil.surfaces.staff.case_page import render_case
from vigil.web.deps import DbSession, ObjectId, RequestVault

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


@router.post("/staff/incidents/{incident_id}/reports/{report_id}/messages", name="casework.reply")
def reply_from_case(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    report_id: ObjectId,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    error = None
    if not body.strip():
        error = gettext("Please write a message first.")
    else:
        try:
            message = reply_to_reporter(
                session,
                vault=vault,
                org_id=staff.organisation_id,
                report_id=report_id,
                body=body,
                actor_user_id=staff.user_id,
            )
        except Invalid as invalid:
            error = str(invalid)
        else:
            if message.report.incident_id != incident_id:
                raise NotFound(gettext("This report is not a source of this case."))
    if error:
        return render_case(
            request,
            session,
            vault=vault,
            staff=staff,
            incident_id=incident_id,
            status_code=422,
            reply_error=error,
            reply_report=report_id,
            reply_body=body,
        )
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/case?done=replied#conversation", status_code=303
    )
