"""The analyst's side: the requests of an incident with their state, reading an answer,
classifying it, and approving it for publication.

Why it is built this way:
- Approval is refused while the text names a victim, gives a phone number or the place
  (``identifying_details``): a company may well quote what it knows of the defender, and the
  register must never carry it. The analyst is told what was found, not asked to guess.
- "Deflection" (e.g. "security is the state's responsibility") is a flag beside the
  classification, counted separately, because a deflecting answer can be any of the kinds.
- An alert recipient who marked their response "may be published" (alerts/responder.py) can
  be taken in as the company's answer without asking again: a request is recorded as asked
  and answered at the moment of that response, with the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.models import Alert, AlertResponse
from vigil.alerts.response_models import ResponseDetails
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders.models import Defender
from vigil.incidents.identifying import find_identifying, fold
from vigil.incidents.identifying import identifying_details as incident_details
from vigil.incidents.models import Act, Incident
from vigil.responses.models import Classification, CompanyResponse, ResponseRequest
from vigil.responses.service import involved_companies, load_request, response_of


class RequestState:
    answered = "answered"
    invited = "invited"
    did_not_respond = "did_not_respond"


def state_of(request: ResponseRequest, response: CompanyResponse | None, now: datetime) -> str:
    """Answered, else invited until the deadline (inclusive), then did not respond."""
    if response is not None:
        return RequestState.answered
    return RequestState.invited if now <= request.deadline else RequestState.did_not_respond


@dataclass(frozen=True)
class RequestView:
    request: ResponseRequest
    response: CompanyResponse | None
    state: str
    question: str
    text: str


def requests_of(
    session: Session, vault: Vault, *, org_id: int, incident_id: int, now: datetime
) -> list[RequestView]:
    """The incident's requests, oldest first, with their answers opened (staff only)."""
    rows = session.execute(
        select(ResponseRequest, CompanyResponse)
        .outerjoin(CompanyResponse, CompanyResponse.request_id == ResponseRequest.id)
        .where(
            ResponseRequest.organisation_id == org_id,
            ResponseRequest.incident_id == incident_id,
        )
        .order_by(ResponseRequest.asked_at, ResponseRequest.id)
    ).all()
    return [
        RequestView(
            request=request,
            response=response,
            state=state_of(request, response, now),
            question=vault.reveal(request.data_key_id, request.question_sealed) or "",
            text=vault.reveal(response.data_key_id, response.text_sealed) or "" if response else "",
        )
        for request, response in rows
    ]


def _answer(session: Session, *, org_id: int, request_id: int) -> CompanyResponse:
    request = load_request(session, org_id=org_id, request_id=request_id)
    response = response_of(session, request_id=request.id)
    if response is None:
        raise NotFound("This request has no answer yet.")
    return response


def classify_response(
    session: Session,
    *,
    org_id: int,
    request_id: int,
    classification: str,
    deflection: bool,
    actor_user_id: int | None,
) -> CompanyResponse:
    if classification not in Classification.__members__:
        raise Invalid("Choose what kind of answer this is.")
    response = _answer(session, org_id=org_id, request_id=request_id)
    response.classification = classification
    response.deflection = deflection
    response.classified_by_id = actor_user_id
    session.flush()
    record_event(
        session,
        action="responses.classified",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="response_request",
        object_id=request_id,
        detail={"classification": classification, "deflection": deflection},
    )
    return response


def identifying_details(session: Session, vault: Vault, incident: Incident, text: str) -> list[str]:
    """The kinds of identifying detail in ``text`` (``incidents.identifying``: name, place,
    contact, title, phone, email), each once; a victim's alias counts as a name too (the
    alias is published only with the victim's grant, never through a company's words)."""
    details = find_identifying(text, incident_details(session, vault=vault, incident=incident))
    kinds = [finding.kind for finding in details]
    aliases = session.scalars(
        select(Defender.alias)
        .join(Act, Act.victim_id == Defender.id)
        .where(Act.incident_id == incident.id)
    ).all()
    if any(alias and fold(alias) in fold(text) for alias in aliases):
        kinds.append("name")
    return list(dict.fromkeys(kinds))


def approve_response(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    request_id: int,
    actor_user_id: int | None,
    now: datetime,
) -> CompanyResponse:
    """Approve the verbatim answer for publication; Conflict (naming what was found) when
    it holds an identifying detail, or before it is classified."""
    response = _answer(session, org_id=org_id, request_id=request_id)
    request = load_request(session, org_id=org_id, request_id=request_id)
    incident = session.get(Incident, request.incident_id)
    assert incident is not None
    if not response.classification:
        raise Conflict("Classify the answer before approving it for publication.")
    text = vault.open(response.data_key_id, response.text_sealed) or ""
    found = identifying_details(session, vault, incident, text)
    if found:
        raise IdentifyingDetails(found)
    response.approved_at = now
    response.approved_by_id = actor_user_id
    session.flush()
    record_event(
        session,
        action="responses.approved",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="response_request",
        object_id=request_id,
    )
    return response


class IdentifyingDetails(Conflict):
    """The answer names, locates or gives the phone of a victim: it cannot be published."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        super().__init__(
            "This answer cannot be published: it contains "
            + ", ".join(kinds)
            + " that could identify the defender."
        )


def publishable_alert_responses(
    session: Session, *, org_id: int, incident_id: int
) -> list[tuple[AlertResponse, ResponseDetails, Contact]]:
    """The incident's alert responses marked "may be published" by a company contact, not
    yet taken in."""
    taken = select(ResponseRequest.alert_response_id).where(
        ResponseRequest.alert_response_id.is_not(None)
    )
    companies = {c.id for c in involved_companies(session, incident_id=incident_id)}
    rows = session.execute(
        select(AlertResponse, ResponseDetails, Contact)
        .join(ResponseDetails, ResponseDetails.response_id == AlertResponse.id)
        .join(Alert, Alert.id == AlertResponse.alert_id)
        .join(Contact, Contact.id == AlertResponse.contact_id)
        .where(
            AlertResponse.organisation_id == org_id,
            Alert.incident_id == incident_id,
            ResponseDetails.may_publish.is_(True),
            AlertResponse.kind != "info_request",
            AlertResponse.id.not_in(taken),
        )
        .order_by(AlertResponse.id)
    ).all()
    return [(r, d, c) for r, d, c in rows if c.company_id in companies]


def take_alert_response(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    incident_id: int,
    alert_response_id: int,
    actor_user_id: int | None,
) -> ResponseRequest:
    """Record an alert recipient's publishable response as the company's answer."""
    found = [
        row
        for row in publishable_alert_responses(session, org_id=org_id, incident_id=incident_id)
        if row[0].id == alert_response_id
    ]
    if not found:
        raise NotFound("No such publishable response in this incident.")
    alert_response, details, contact = found[0]
    incident = session.get(Incident, incident_id)
    assert incident is not None
    text = vault.open(alert_response.data_key_id, alert_response.body_sealed) or ""
    request = ResponseRequest(
        organisation_id=org_id,
        incident_id=incident_id,
        company_id=contact.company_id,
        contact_id=contact.id,
        alert_response_id=alert_response.id,
        asked_by_id=actor_user_id,
        data_key_id=incident.data_key_id,
        question_sealed=None,
        asked_at=alert_response.created_at,
        deadline=alert_response.created_at,
    )
    session.add(request)
    session.flush()
    session.add(
        CompanyResponse(
            organisation_id=org_id,
            request_id=request.id,
            data_key_id=incident.data_key_id,
            text_sealed=vault.seal(incident.data_key_id, text),
            received_at=alert_response.created_at,
            responder_name=details.responder_name,
            responder_title=details.responder_title,
        )
    )
    session.flush()
    record_event(
        session,
        action="responses.taken_from_alert",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident_id,
        detail={"request": request.id, "alert_response": alert_response.id},
    )
    return request
