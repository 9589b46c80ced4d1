"""Asking a company to respond: the request, its e-mail and its reminder.

Why it is built this way:
- The request goes to one directory contact of a company involved in the incident, through
  the outbox (durable, retried), in the contact's language. The subject carries the case
  reference only; the question and the link are in the body. The question is sealed with the
  incident's key, like everything that may discuss the defender, and refused when it names,
  locates or gives the number of a victim (``incidents.identifying``): the company is to see
  de-identified facts only.
- The link is a signed link of purpose ``reply`` bound to the request: it answers this
  request and nothing else; a follow-up question is a new request with a new link, so a
  second response never overwrites the first.
- One reminder, ``REMIND_BEFORE`` ahead of the deadline, sent by the worker; ``reminded_at``
  makes it exactly one even when the job runs twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.companies.models import Company
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.incidents.identifying import find_identifying, identifying_details
from vigil.incidents.models import Act, Incident, Involvement
from vigil.links.models import LinkPurpose
from vigil.links.service import issue_link, link_url
from vigil.organisations.models import Organisation
from vigil.outbox.service import queue_delivery
from vigil.responses import messages
from vigil.responses.models import CompanyResponse, ResponseRequest

MAX_QUESTION = 5000
REMIND_BEFORE = timedelta(days=2)
QUESTION_IDENTIFIES = (
    "The question would tell the company who or where the defender is: remove the name, "
    "place, title words or numbers."
)


def case_reference(incident_id: int) -> str:
    return f"VIGIL-{incident_id}"


def involved_companies(session: Session, *, incident_id: int) -> list[Company]:
    """The companies named in the incident's acts, each once, by name."""
    rows = session.scalars(
        select(Company)
        .join(Involvement, Involvement.company_id == Company.id)
        .join(Act, Act.id == Involvement.act_id)
        .where(Act.incident_id == incident_id)
        .distinct()
    )
    return sorted(rows, key=lambda c: c.name.lower())


def company_contacts(session: Session, *, org_id: int, company_ids: list[int]) -> list[Contact]:
    """The organisation's directory contacts at these companies who can get an e-mail."""
    if not company_ids:
        return []
    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.organisation_id == org_id,
                Contact.company_id.in_(company_ids),
                Contact.opted_out_at.is_(None),
                Contact.email.is_not(None),
            )
            .order_by(Contact.name, Contact.id)
        )
    )


@dataclass(frozen=True)
class Ask:
    """What a staff member asks: of whom, what, by when (None: the default deadline)."""

    company_id: int
    contact_id: int
    question: str
    deadline: datetime | None = None
    alert_response_id: int | None = None
    follow_up_of: int | None = None


def _checked_question(question: str) -> str:
    text = question.strip()
    if not text:
        raise Invalid("Write the question the company is asked to answer.")
    if len(text) > MAX_QUESTION or "\x00" in text:
        raise Invalid(f"Please keep the question under {MAX_QUESTION} characters.")
    return text


def ask_company(
    session: Session,
    settings: Settings,
    vault: Vault,
    *,
    org_id: int,
    incident_id: int,
    ask: Ask,
    actor_user_id: int | None,
    now: datetime,
) -> ResponseRequest:
    """Record a right-of-reply request and queue its e-mail (the caller commits)."""
    incident = load_in_org(
        session, Incident, incident_id, org_id=org_id, missing="No such incident."
    )
    if ask.company_id not in {c.id for c in involved_companies(session, incident_id=incident.id)}:
        raise NotFound("No such company in this incident.")
    contact = session.get(Contact, ask.contact_id)
    if contact is None or contact.organisation_id != org_id or contact.company_id != ask.company_id:
        raise NotFound("No such contact at this company.")
    if contact.opted_out_at is not None or not contact.email:
        raise Conflict("This contact cannot receive e-mail from us.")
    question = _checked_question(ask.question)
    if find_identifying(question, identifying_details(session, vault=vault, incident=incident)):
        raise Invalid(QUESTION_IDENTIFIES)
    deadline = ask.deadline or now + timedelta(days=settings.response_deadline_days)
    if deadline <= now:
        raise Invalid("The deadline must be in the future.")
    request = ResponseRequest(
        organisation_id=org_id,
        incident_id=incident.id,
        company_id=ask.company_id,
        contact_id=contact.id,
        alert_response_id=ask.alert_response_id,
        asked_by_id=actor_user_id,
        follow_up_of=ask.follow_up_of,
        data_key_id=incident.data_key_id,
        question_sealed=vault.seal(incident.data_key_id, question),
        asked_at=now,
        deadline=deadline,
    )
    session.add(request)
    session.flush()
    send_request_email(session, settings, vault, request=request, reminder=False, now=now)
    record_event(
        session,
        action="responses.requested",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"request": request.id, "company": ask.company_id, "follow_up_of": ask.follow_up_of},
    )
    return request


def follow_up(
    session: Session,
    settings: Settings,
    vault: Vault,
    *,
    org_id: int,
    request_id: int,
    question: str,
    actor_user_id: int | None,
    now: datetime,
) -> ResponseRequest:
    """A further question to the same contact after their answer: a new request."""
    earlier = load_request(session, org_id=org_id, request_id=request_id)
    if response_of(session, request_id=earlier.id) is None:
        raise Conflict("Wait for the company's answer before asking a follow-up question.")
    if earlier.company_id is None or earlier.contact_id is None:
        raise Conflict("The company or its contact is no longer in the directory.")
    ask = Ask(
        company_id=earlier.company_id,
        contact_id=earlier.contact_id,
        question=question,
        follow_up_of=earlier.id,
    )
    return ask_company(
        session,
        settings,
        vault,
        org_id=org_id,
        incident_id=earlier.incident_id,
        ask=ask,
        actor_user_id=actor_user_id,
        now=now,
    )


def send_request_email(
    session: Session,
    settings: Settings,
    vault: Vault,
    *,
    request: ResponseRequest,
    reminder: bool,
    now: datetime,
) -> None:
    """Queue the request's e-mail (or its reminder) with a fresh ``reply`` link."""
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    company = session.get(Company, request.company_id) if request.company_id else None
    if contact is None or not contact.email or contact.opted_out_at is not None:
        return
    organisation = session.get(Organisation, request.organisation_id)
    token = issue_link(
        session,
        settings,
        organisation_id=request.organisation_id,
        purpose=LinkPurpose.reply,
        response_request_id=request.id,
        contact_id=contact.id,
        ttl=max(request.deadline - now, timedelta(0)) + timedelta(days=30),
        now=now,
    )
    language = messages.language_of(contact.language)
    values = {"case_reference": case_reference(request.incident_id)}
    subject = (messages.REMINDER_SUBJECT if reminder else messages.SUBJECT)[language] % values
    text = messages.BODY[language] % {
        **values,
        "name": contact.name,
        "organisation": organisation.name if organisation else "",
        "company": company.name if company else contact.organisation_name,
        "question": vault.open(request.data_key_id, request.question_sealed) or "",
        "deadline": request.deadline.strftime("%Y-%m-%d %H:%M"),
        "url": link_url(settings, token),
    }
    queue_delivery(
        session,
        vault,
        organisation_id=request.organisation_id,
        data_key_id=request.data_key_id,
        alert_id=None,
        contact_id=contact.id,
        tier=None,
        purpose="reply_reminder" if reminder else "reply_request",
        channel="email",
        address=contact.email,
        language=language,
        urgency=2,
        content={"subject": subject, "text": text},
        timeline=ALERT_TIMELINE,
    )


def load_request(session: Session, *, org_id: int, request_id: int) -> ResponseRequest:
    return load_in_org(
        session, ResponseRequest, request_id, org_id=org_id, missing="No such request."
    )


def response_of(session: Session, *, request_id: int) -> CompanyResponse | None:
    return session.scalar(select(CompanyResponse).where(CompanyResponse.request_id == request_id))


def send_due_reminders(session: Session, settings: Settings, vault: Vault, *, now: datetime) -> int:
    """The one reminder of each unanswered request whose deadline is within
    ``REMIND_BEFORE`` and not yet passed; returns how many were queued."""
    answered = select(CompanyResponse.request_id)
    due = session.scalars(
        select(ResponseRequest)
        .where(
            ResponseRequest.reminded_at.is_(None),
            ResponseRequest.deadline > now,
            ResponseRequest.deadline <= now + REMIND_BEFORE,
            ResponseRequest.id.not_in(answered),
        )
        .order_by(ResponseRequest.id)
    ).all()
    for request in due:
        request.reminded_at = now
        send_request_email(session, settings, vault, request=request, reminder=True, now=now)
    session.flush()
    return len(due)
