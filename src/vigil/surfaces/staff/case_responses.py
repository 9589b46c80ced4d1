"""The right of reply on a case: ask a company to respond, see each request's state, read,
classify and approve the answers, ask a follow-up question, and take in an alert recipient's
response that may be published (``vigil.responses``).

Reading the page audits the case read (``CaseView.responses``); every change is a writer's
and is audited by the domain. A refused change comes back as the page with what was typed
and the reason (an approval refused for an identifying detail says which kind).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from vigil.access import check_same_org
from vigil.access.reads import CaseView
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, gettext
from vigil.incidents.service import case_for_reading
from vigil.responses.models import Classification, ResponseRequest
from vigil.responses.review import (
    IdentifyingDetails,
    approve_response,
    classify_response,
    publishable_alert_responses,
    requests_of,
    take_alert_response,
)
from vigil.responses.service import (
    MAX_QUESTION,
    Ask,
    ask_company,
    company_contacts,
    follow_up,
    involved_companies,
)
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(prefix="/staff/incidents/{incident_id}/responses", include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]

LABELS = {
    "answered": N_("Answered"),
    "invited": N_("Invited, waiting for an answer"),
    "did_not_respond": N_("Did not respond by the deadline"),
    "substantive": N_("Substantive"),
    "commitment": N_("Commitment"),
    "denial": N_("Denial"),
    "request_for_information": N_("Request for information"),
    "token": N_("Token"),
    "none": N_("No real answer"),
    "name": N_("a name"),
    "phone": N_("a phone number"),
    "place": N_("a place"),
    "contact": N_("the defender's contact details"),
    "title": N_("words of the case's internal title"),
    "email": N_("an e-mail address"),
}
#: The domain's refusals, as this page shows them (``gettext(str(refused))``).
REFUSALS = (
    N_("Write the question the company is asked to answer."),
    N_("Please keep the question under 5000 characters."),
    N_("The deadline must be in the future."),
    N_("Give the deadline as YYYY-MM-DD."),
    N_("This contact cannot receive e-mail from us."),
    N_("Wait for the company's answer before asking a follow-up question."),
    N_("The company or its contact is no longer in the directory."),
    N_(
        "The question would tell the company who or where the defender is: remove the name, "
        "place, title words or numbers."
    ),
)


def label(code: str) -> str:
    message = LABELS.get(code)
    return gettext(message) if message else code


def _page(
    request: Request,
    session: DbSession,
    vault: Vault,
    staff: Staff,
    incident_id: int,
    status: int = 200,
    **form: Any,
) -> Response:
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.responses
    )
    companies = involved_companies(session, incident_id=incident.id)
    org_id = staff.organisation_id
    context = {
        "staff": staff,
        "incident": incident,
        "companies": companies,
        "contacts": company_contacts(session, org_id=org_id, company_ids=[c.id for c in companies]),
        "requests": requests_of(
            session, vault, org_id=org_id, incident_id=incident.id, now=utcnow()
        ),
        "from_alerts": publishable_alert_responses(session, org_id=org_id, incident_id=incident.id),
        "classifications": list(Classification),
        "label": label,
        "max_question": MAX_QUESTION,
        "form": form,
    }
    return render(request, "staff/casework/responses.html", context, status)


def _back(incident_id: int, done: str) -> Response:
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/responses?done={done}", status_code=303
    )


@router.get("", name="responses.page")
def responses_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    incident_id: ObjectId,
    contact: int | None = None,
    done: str = "",
) -> Response:
    """``contact``: preselected (from an alert recipient's response)."""
    return _page(request, session, vault, staff, incident_id, contact_id=contact, done=done)


def _deadline(text: str) -> datetime | None:
    """The last day to answer, to its end (UTC); "" keeps the default."""
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid("Give the deadline as YYYY-MM-DD.") from exc
    return datetime.combine(day, time(23, 59, 59), UTC)


@router.post("", name="responses.ask")
def ask(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    contact_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    question: Annotated[str, Form(max_length=2 * MAX_QUESTION)] = "",
    deadline: Annotated[str, Form(max_length=10)] = "",
    alert_response_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    contacts = {
        c.id: c
        for c in company_contacts(
            session,
            org_id=staff.organisation_id,
            company_ids=[c.id for c in involved_companies(session, incident_id=incident_id)],
        )
    }
    chosen = contacts.get(contact_id)
    try:
        ask_company(
            session,
            settings,
            vault,
            org_id=staff.organisation_id,
            incident_id=incident_id,
            ask=Ask(
                company_id=chosen.company_id if chosen and chosen.company_id else 0,
                contact_id=contact_id,
                question=question,
                deadline=_deadline(deadline),
                alert_response_id=alert_response_id,
            ),
            actor_user_id=staff.user_id,
            now=utcnow(),
        )
    except (Invalid, Conflict) as refused:
        error = gettext(str(refused))
        return _page(
            request, session, vault, staff, incident_id, 422,
            contact_id=contact_id, question=question, deadline=deadline, error=error,
        )  # fmt: skip
    return _back(incident_id, "asked")


@router.post("/{request_id}/classify", name="responses.classify")
def classify(
    session: DbSession,
    staff: Writer,
    incident_id: ObjectId,
    request_id: ObjectId,
    classification: Annotated[str, Form(max_length=30)],
    deflection: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    _check_in_case(session, staff, incident_id, request_id)
    classify_response(
        session,
        org_id=staff.organisation_id,
        request_id=request_id,
        classification=classification,
        deflection=deflection == "yes",
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "classified")


@router.post("/{request_id}/approve", name="responses.approve")
def approve(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    request_id: ObjectId,
) -> Response:
    _check_in_case(session, staff, incident_id, request_id)
    try:
        approve_response(
            session,
            vault,
            org_id=staff.organisation_id,
            request_id=request_id,
            actor_user_id=staff.user_id,
            now=utcnow(),
        )
    except IdentifyingDetails as found:
        kinds = ", ".join(label(kind) for kind in found.kinds)
        error = gettext(
            "This answer cannot be published: it contains %(found)s that could identify the "
            "defender. Ask the company for a version without it."
        ) % {"found": kinds}
        return _page(request, session, vault, staff, incident_id, 409, error=error, row=request_id)
    except Conflict:
        error = gettext("Classify the answer before approving it for publication.")
        return _page(request, session, vault, staff, incident_id, 409, error=error, row=request_id)
    return _back(incident_id, "approved")


@router.post("/{request_id}/follow-up", name="responses.follow_up")
def ask_again(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    settings: AppSettings,
    staff: Writer,
    incident_id: ObjectId,
    request_id: ObjectId,
    question: Annotated[str, Form(max_length=2 * MAX_QUESTION)] = "",
) -> Response:
    _check_in_case(session, staff, incident_id, request_id)
    try:
        follow_up(
            session,
            settings,
            vault,
            org_id=staff.organisation_id,
            request_id=request_id,
            question=question,
            actor_user_id=staff.user_id,
            now=utcnow(),
        )
    except (Invalid, Conflict) as refused:
        return _page(
            request, session, vault, staff, incident_id, 422,
            error=gettext(str(refused)), row=request_id, follow_up=question,
        )  # fmt: skip
    return _back(incident_id, "asked")


@router.post("/from-alert/{alert_response_id}", name="responses.take")
def take(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    alert_response_id: ObjectId,
) -> Response:
    take_alert_response(
        session,
        vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        alert_response_id=alert_response_id,
        actor_user_id=staff.user_id,
    )
    return _back(incident_id, "taken")


def _check_in_case(session: DbSession, staff: Staff, incident_id: int, request_id: int) -> None:
    """404 for a request of another case or another organisation."""
    row = session.get(ResponseRequest, request_id)
    check_same_org(
        row, org_id=staff.organisation_id, missing="No such request.", incident_id=incident_id
    )
