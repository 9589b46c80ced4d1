"""The company's side: what its link page shows and taking its answer.

Why it is built this way:
- A link can be forwarded, so its page shows only what the register could publish anyway:
  the case reference, the month, the country, the kinds of attack and the company. Never
  the defender (name or alias), the place, the internal title or the summary.
- One answer per request (a unique row): a second POST on the same link gets "already
  answered", and a follow-up question comes with its own link.
- An answer reaches the case team's "needs me now" inbox at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.companies.models import Company
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.incidents.models import Act, Incident
from vigil.links.models import LinkPurpose, SignedLink
from vigil.responses.models import CompanyResponse, ResponseRequest
from vigil.responses.service import case_reference, response_of
from vigil.vocabularies.models import VocabularyTerm

MAX_ANSWER = 10_000
MAX_NAME = 200


@dataclass(frozen=True)
class ReplyFacts:
    """What the reply page may show (see the module docstring)."""

    case_reference: str
    month: str  # "YYYY-MM" or ""
    country: str
    attack_types: list[VocabularyTerm]
    company: str
    question: str
    deadline: datetime
    answered: bool


def request_of_link(session: Session, link: SignedLink) -> ResponseRequest:
    if link.purpose != LinkPurpose.reply or link.response_request_id is None:
        raise NotFound("No such request.")
    request = session.get(ResponseRequest, link.response_request_id)
    if request is None or request.organisation_id != link.organisation_id:
        raise NotFound("No such request.")
    return request


def reply_facts(session: Session, vault: Vault, link: SignedLink) -> ReplyFacts:
    request = request_of_link(session, link)
    incident = session.get(Incident, request.incident_id)
    assert incident is not None
    terms = session.scalars(
        select(VocabularyTerm)
        .join(Act, Act.attack_type_id == VocabularyTerm.id)
        .where(Act.incident_id == incident.id)
        .distinct()
    ).all()
    company = session.get(Company, request.company_id) if request.company_id else None
    return ReplyFacts(
        case_reference=case_reference(incident.id),
        month=incident.occurred_on.strftime("%Y-%m") if incident.occurred_on else "",
        country=incident.country,
        attack_types=sorted(terms, key=lambda t: (t.position, t.id)),
        company=company.name if company else "",
        question=vault.open(request.data_key_id, request.question_sealed) or "",
        deadline=request.deadline,
        answered=response_of(session, request_id=request.id) is not None,
    )


@dataclass(frozen=True)
class Reply:
    text: str
    name: str = ""
    title: str = ""


def check_reply(reply: Reply) -> Reply:
    """The reply trimmed, or Invalid (nothing is written)."""
    text, name, title = reply.text.strip(), reply.name.strip(), reply.title.strip()
    if not text:
        raise Invalid("Please write your response.")
    if len(text) > MAX_ANSWER:
        raise Invalid(f"Please keep your response under {MAX_ANSWER} characters.")
    if len(name) > MAX_NAME or len(title) > MAX_NAME:
        raise Invalid(f"Please keep your name and title under {MAX_NAME} characters each.")
    if "\x00" in text + name + title:
        raise Invalid("Your response contains a character that cannot be stored.")
    return Reply(text=text, name=name, title=title)


def record_reply(
    session: Session, vault: Vault, *, link: SignedLink, reply: Reply, now: datetime
) -> CompanyResponse:
    """Keep the company's answer (sealed) and raise the inbox item; Conflict when this
    request was already answered."""
    request = request_of_link(session, link)
    reply = check_reply(reply)
    if response_of(session, request_id=request.id) is not None:
        raise Conflict("This request was already answered.")
    response = CompanyResponse(
        organisation_id=request.organisation_id,
        request_id=request.id,
        data_key_id=request.data_key_id,
        text_sealed=vault.seal(request.data_key_id, reply.text),
        received_at=now,
        responder_name=reply.name,
        responder_title=reply.title,
    )
    try:
        with session.begin_nested():  # two answers at once: one wins
            session.add(response)
    except IntegrityError as exc:
        raise Conflict("This request was already answered.") from exc
    link.uses += 1
    link.last_used_at = now
    session.flush()
    record_event(
        session,
        action="responses.answered",
        organisation_id=request.organisation_id,
        object_type="incident",
        object_id=request.incident_id,
        detail={"request": request.id, "link": link.id},
    )
    raise_item(
        session,
        org_id=request.organisation_id,
        kind=InboxKind.company_response,
        object_type="incident",
        object_id=request.incident_id,
        path=f"/staff/incidents/{request.incident_id}/responses",
        source_key=f"company_response:{response.id}",
        now=now,
    )
    return response
