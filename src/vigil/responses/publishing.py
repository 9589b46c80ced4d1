"""What the public register may show of the right of reply, per incident.

The register batch (``public.register_batch``) calls :func:`register_view` for the
incidents it publishes, sets ``PublicIncident.response_status`` and writes one
``PublicResponse`` per :class:`PublishableResponse`. Only two things are ever publishable:
an answer an analyst approved (verbatim; the approval already refused any identifying
detail), and the fact that a company was invited and did not respond by the deadline. An
answer not yet approved shows as "responded" with no text.

This module reads the responses' own tables and company names only (no incident, defender
or alert module): the public package may import it without reaching case data, which the
import-linter contract "Public pages read only the de-identified register" checks.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.models import Company
from vigil.core.crypto import Vault, Withheld
from vigil.responses.models import CompanyResponse, ResponseRequest

#: The values of ``public.register_models.ResponseStatus`` (the public layer sits above).
NOT_INVITED, INVITED, RESPONDED, DID_NOT_RESPOND = (
    "not_invited",
    "invited",
    "responded",
    "did_not_respond",
)


@dataclass(frozen=True)
class PublishableResponse:
    """One row for ``public_responses`` (``text`` "" and ``responded_at`` None: invited,
    did not respond)."""

    request_id: int
    company_id: int | None
    company_name: str
    asked_on: date
    deadline: date
    responded_at: datetime | None
    classification: str
    deflection: bool
    text: str
    follow_up_of: int | None


@dataclass
class RegisterEntry:
    status: str = NOT_INVITED
    responses: list[PublishableResponse] = field(default_factory=list)


def register_view(
    session: Session, *, vault: Vault, incident_ids: Collection[int], now: datetime
) -> dict[int, RegisterEntry]:
    """Each incident's status and publishable responses (every id given is in the result).

    Status: responded if any request was answered; else invited while a deadline has not
    passed; else did not respond; not invited without a request."""
    view = {incident_id: RegisterEntry() for incident_id in incident_ids}
    if not view:
        return view
    rows = session.execute(
        select(ResponseRequest, CompanyResponse, Company.name)
        .outerjoin(CompanyResponse, CompanyResponse.request_id == ResponseRequest.id)
        .outerjoin(Company, Company.id == ResponseRequest.company_id)
        .where(ResponseRequest.incident_id.in_(list(view)))
        .order_by(ResponseRequest.asked_at, ResponseRequest.id)
    ).all()
    states: dict[int, set[str]] = {}
    for request, response, company_name in rows:
        state = _state(request, response, now)
        states.setdefault(request.incident_id, set()).add(state)
        row = _publishable(vault, request, response, company_name or "", state)
        if row is not None:
            view[request.incident_id].responses.append(row)
    for incident_id, seen in states.items():
        view[incident_id].status = next(
            s for s in (RESPONDED, INVITED, DID_NOT_RESPOND) if s in seen
        )
    return view


def _state(request: ResponseRequest, response: CompanyResponse | None, now: datetime) -> str:
    if response is not None:
        return RESPONDED
    return INVITED if now <= request.deadline else DID_NOT_RESPOND


def _publishable(
    vault: Vault,
    request: ResponseRequest,
    response: CompanyResponse | None,
    company_name: str,
    state: str,
) -> PublishableResponse | None:
    if state == INVITED or (response is not None and response.approved_at is None):
        return None
    text = ""
    if response is not None:
        try:
            text = vault.open(response.data_key_id, response.text_sealed) or ""
        except Withheld:  # the incident was forgotten since: publish nothing of it
            return None
    return PublishableResponse(
        request_id=request.id,
        company_id=request.company_id,
        company_name=company_name,
        asked_on=request.asked_at.date(),
        deadline=request.deadline.date(),
        responded_at=response.received_at if response is not None else None,
        classification=response.classification if response is not None else "",
        deflection=response.deflection if response is not None else False,
        text=text,
        follow_up_of=request.follow_up_of,
    )
