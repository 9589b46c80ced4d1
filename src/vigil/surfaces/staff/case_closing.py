"""Staff routes that move a case along its lifecycle: status changes, closing and the second
review of a high-risk closure. Resolving, closing and approving a closure go through the
safe-closing checks (``vigil.closing``); a refusal shows the case page again with the reasons.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.casework.contact_lost import report_lost_contact
from vigil.casework.handover import Handover
from vigil.casework.models import ClosureReason
from vigil.casework.service import change_status
from vigil.closing.service import (
    ClosingBlocked,
    Closure,
    MissingJustification,
    Override,
    close_case,
    resolve_case,
    review_case_closure,
)
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.incidents.models import IncidentStatus
from vigil.surfaces.gate import Staff, require_writer
from vigil.surfaces.staff import case_page as page
from vigil.web.deps import DbSession, ObjectId, RequestVault

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


def _back(incident_id: int, done: str) -> Response:
    return RedirectResponse(f"/staff/incidents/{incident_id}/case?done={done}", status_code=303)


OverrideField = Annotated[str, Form(max_length=5)]
JustificationField = Annotated[str, Form(max_length=5000)]


def _override(override: str, justification: str) -> Override:
    return Override(requested=override == "yes", justification=justification)


def _refused(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Staff,
    incident_id: int,
    refused: ClosingBlocked | MissingJustification,
) -> Response:
    """The case page again, saying why it was not resolved or closed (nothing was written:
    the checks run before any change)."""
    status_code = 409 if isinstance(refused, ClosingBlocked) else 422
    return page.render_case(
        request,
        session,
        vault=vault,
        staff=staff,
        incident_id=incident_id,
        status_code=status_code,
        closing_error=str(refused),
    )


@router.post("/staff/incidents/{incident_id}/status", name="casework.status")
def move(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    status: Annotated[str, Form(max_length=20)],
    override: OverrideField = "",
    justification: JustificationField = "",
) -> Response:
    """Resolving goes through the safe-closing checks (``vigil.closing``)."""
    if status == IncidentStatus.resolved:
        try:
            resolve_case(
                session,
                vault=vault,
                org_id=staff.organisation_id,
                incident_id=incident_id,
                actor=staff.actor,
                override=_override(override, justification),
                now=utcnow(),
            )
        except (ClosingBlocked, MissingJustification) as refused:
            return _refused(request, session, vault, staff, incident_id, refused)
        return _back(incident_id, "moved")
    change_status(
        session,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        status=status,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "moved")


@router.post("/staff/incidents/{incident_id}/closure", name="casework.closure")
def close(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    reason: Annotated[str, Form(max_length=30)],
    note: Annotated[str, Form(max_length=5000)] = "",
    handover_organisation: Annotated[str, Form(max_length=200)] = "",
    handover_on: Annotated[str, Form(max_length=10)] = "",
    handover_items: Annotated[str, Form(max_length=5000)] = "",
    handover_agreed_by: Annotated[str, Form(max_length=20)] = "",
    handover_relation: Annotated[str, Form(max_length=120)] = "",
    closing_message: Annotated[str, Form(max_length=5000)] = "",
    override: OverrideField = "",
    justification: JustificationField = "",
) -> Response:
    if reason == ClosureReason.defender_unreachable:
        report_lost_contact(
            session,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            today=date.today(),
            actor_user_id=staff.user_id,
        )
        return _back(incident_id, "contact_lost")
    try:
        handed_on = date.fromisoformat(handover_on) if handover_on.strip() else None
    except ValueError as exc:
        raise Invalid("Give the day of the handover as YYYY-MM-DD.") from exc
    handover = Handover(
        handover_organisation, handed_on, handover_items, handover_agreed_by, handover_relation
    )
    try:
        outcome = close_case(
            session,
            vault=vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            closure=Closure(
                reason=reason,
                note=note,
                message=closing_message,
                handover=handover if reason == ClosureReason.handed_over else None,
            ),
            actor=staff.actor,
            override=_override(override, justification),
            now=utcnow(),
        )
    except (ClosingBlocked, MissingJustification) as refused:
        return _refused(request, session, vault, staff, incident_id, refused)
    return _back(incident_id, "closed" if outcome.closed else "closure_requested")


@router.post("/staff/incidents/{incident_id}/closure-review", name="casework.review")
def review(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    decision: Annotated[str, Form(max_length=10)],
    override: OverrideField = "",
    justification: JustificationField = "",
) -> Response:
    try:
        review_case_closure(
            session,
            vault=vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            approve=decision == "approve",
            actor=staff.actor,
            override=_override(override, justification),
            now=utcnow(),
        )
    except (ClosingBlocked, MissingJustification) as refused:
        return _refused(request, session, vault, staff, incident_id, refused)
    return _back(incident_id, "reviewed")
