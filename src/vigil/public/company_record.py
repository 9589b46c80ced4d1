"""Companies' public right-of-reply record, read from ``public_responses`` only: response
rates per company and per sector, median time to respond, and repeat non-responders.

What counts (one rule for every page, so the numbers agree):

- a *request* is a first request (``follow_up_of`` None: a follow-up question asks the same
  company again about the same incident and would count it twice) whose deadline has passed
  or that was answered; a request still within its deadline is *awaiting* and counts nowhere;
- it was *responded to* when ``responded_at`` is set, else it *did not respond*;
- the rate is responded / requested; deflections ("security is the state's responsibility")
  are responses, but are counted apart from substantive ones (substantive or commitment),
  so a company cannot raise its apparent engagement by deflecting.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from vigil.companies.models import Company, CompanyRelationship, RelationshipKind
from vigil.companies.registry import company_graph
from vigil.core.errors import NotFound
from vigil.core.i18n import gettext
from vigil.public.register_models import (
    LabelKind,
    PublicIncident,
    PublicIncidentLabel,
    PublicResponse,
)

SUBSTANTIVE = ("substantive", "commitment")
#: A company is a repeat non-responder from this many requests left unanswered.
REPEAT_THRESHOLD = 2
#: Relationship kinds shown on a company page (the group it belongs to).
GROUP_KINDS = (RelationshipKind.parent_subsidiary, RelationshipKind.ownership)


@dataclass(frozen=True)
class ResponseRecord:
    requested: int
    responded: int
    substantive: int
    deflections: int
    awaiting: int
    #: Days from request to response, over the requests responded to; None for none.
    median_days: float | None = None

    @property
    def did_not_respond(self) -> int:
        return self.requested - self.responded

    @property
    def rate(self) -> float | None:
        """Responded / requested, None when nothing was requested yet."""
        return self.responded / self.requested if self.requested else None


def _first_requests() -> ColumnElement[bool]:
    return PublicResponse.follow_up_of.is_(None)


def _counted(today: date) -> ColumnElement[bool]:
    return or_(PublicResponse.responded_at.is_not(None), PublicResponse.deadline < today)


def record_of(rows: list[PublicResponse], today: date) -> ResponseRecord:
    """The record of some rows (one company's), computed in Python: a company has tens."""
    firsts = [row for row in rows if row.follow_up_of is None]
    answered = [row for row in firsts if row.responded_at is not None]
    lapsed = [row for row in firsts if row.responded_at is None and row.deadline < today]
    days = [(row.responded_at.date() - row.asked_on).days for row in answered if row.responded_at]
    return ResponseRecord(
        requested=len(answered) + len(lapsed),
        responded=len(answered),
        substantive=sum(
            1 for row in answered if row.classification in SUBSTANTIVE and not row.deflection
        ),
        deflections=sum(1 for row in answered if row.deflection),
        awaiting=len(firsts) - len(answered) - len(lapsed),
        median_days=statistics.median(days) if days else None,
    )


@dataclass(frozen=True)
class GroupLink:
    company_id: int
    name: str
    #: "parent" or "subsidiary" (of the company whose page this is).
    relation: str
    in_register: bool


@dataclass(frozen=True)
class CompanyRecord:
    company: Company
    record: ResponseRecord
    responses: list[PublicResponse]
    #: The register's incidents naming the company, newest first (at most 200).
    incidents: list[PublicIncident]
    group: list[GroupLink]
    #: The incidents the responses are about, by id (a response may outlive the company
    #: label, and the list above is capped).
    response_incidents: dict[int, PublicIncident]


def in_register(session: Session, company_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    PublicIncidentLabel.kind == LabelKind.company,
                    PublicIncidentLabel.code == str(company_id),
                )
            )
        )
    )


def company_record(session: Session, *, company_id: int, today: date) -> CompanyRecord:
    """A company's public page data; ``NotFound`` unless the register names it."""
    company = session.get(Company, company_id) if 0 < company_id < 2**31 else None
    if company is None or not in_register(session, company_id):
        raise NotFound(gettext("This company does not appear in the register."))
    responses = list(
        session.scalars(
            select(PublicResponse)
            .where(PublicResponse.company_id == company_id)
            .order_by(PublicResponse.asked_on.desc(), PublicResponse.id.desc())
        )
    )
    incidents = list(
        session.scalars(
            select(PublicIncident)
            .where(
                exists().where(
                    PublicIncidentLabel.public_incident_id == PublicIncident.id,
                    PublicIncidentLabel.kind == LabelKind.company,
                    PublicIncidentLabel.code == str(company_id),
                )
            )
            .order_by(PublicIncident.sort_date.desc(), PublicIncident.id.desc())
            .limit(200)
        )
    )
    asked_about = {row.public_incident_id for row in responses}
    response_incidents = {
        row.id: row
        for row in session.scalars(select(PublicIncident).where(PublicIncident.id.in_(asked_about)))
    }
    return CompanyRecord(
        company=company,
        record=record_of(responses, today),
        responses=responses,
        incidents=incidents,
        group=_group(session, company_id),
        response_incidents=response_incidents,
    )


def _group(session: Session, company_id: int) -> list[GroupLink]:
    graph = company_graph(session, company_id=company_id)
    links: list[tuple[CompanyRelationship, Company | None, str]] = [
        (edge, edge.to_company, "subsidiary") for edge in graph.outgoing
    ] + [(edge, edge.from_company, "parent") for edge in graph.incoming]
    shown = [
        (other, relation)
        for edge, other, relation in links
        if edge.kind in GROUP_KINDS and other is not None and other.merged_into_id is None
    ]
    return [
        GroupLink(other.id, other.name, relation, in_register(session, other.id))
        for other, relation in sorted(shown, key=lambda pair: (pair[1], pair[0].name))
    ]


@dataclass(frozen=True)
class RateRow:
    #: A sector code, or a company id (as text) for a sector's companies.
    key: str
    name: str
    record: ResponseRecord


def _aggregate():  # type: ignore[no-untyped-def]
    answered = PublicResponse.responded_at.is_not(None)
    return (
        func.count(PublicResponse.id),
        func.sum(case((answered, 1), else_=0)),
        func.sum(
            case(
                (
                    and_(
                        answered,
                        PublicResponse.classification.in_(SUBSTANTIVE),
                        PublicResponse.deflection.is_(False),
                    ),
                    1,
                ),
                else_=0,
            )
        ),
        func.sum(case((and_(answered, PublicResponse.deflection.is_(True)), 1), else_=0)),
    )


def _record(
    requested: int, responded: int | None, substantive: int | None, deflections: int | None
) -> ResponseRecord:
    return ResponseRecord(
        requested=requested,
        responded=responded or 0,
        substantive=substantive or 0,
        deflections=deflections or 0,
        awaiting=0,
    )


def sector_response_rates(session: Session, *, today: date) -> list[RateRow]:
    """Each sector's record (incidents without a sector are left out), by sector code."""
    rows = session.execute(
        select(PublicIncident.sector, *_aggregate())
        .select_from(PublicResponse)
        .join(PublicIncident, PublicIncident.id == PublicResponse.public_incident_id)
        .where(_first_requests(), _counted(today), PublicIncident.sector != "")
        .group_by(PublicIncident.sector)
        .order_by(PublicIncident.sector)
    ).all()
    return [RateRow(sector, sector, _record(*counts)) for sector, *counts in rows]


def sector_company_rates(session: Session, *, sector: str, today: date) -> list[RateRow]:
    """The record of each company asked about an incident of ``sector``, lowest rate first."""
    rows = session.execute(
        select(PublicResponse.company_id, func.max(PublicResponse.company_name), *_aggregate())
        .select_from(PublicResponse)
        .join(PublicIncident, PublicIncident.id == PublicResponse.public_incident_id)
        .where(
            _first_requests(),
            _counted(today),
            PublicIncident.sector == sector,
            PublicResponse.company_id.is_not(None),
        )
        .group_by(PublicResponse.company_id)
    ).all()
    found = [RateRow(str(cid), name, _record(*counts)) for cid, name, *counts in rows]
    return sorted(found, key=lambda row: (row.record.rate or 0, row.name))


def repeat_non_responders(
    session: Session, *, today: date, threshold: int = REPEAT_THRESHOLD
) -> list[RateRow]:
    """Companies that left at least ``threshold`` requests unanswered past the deadline,
    most unanswered first."""
    unanswered = func.sum(case((PublicResponse.responded_at.is_(None), 1), else_=0))
    rows = session.execute(
        select(PublicResponse.company_id, func.max(PublicResponse.company_name), *_aggregate())
        .where(_first_requests(), _counted(today), PublicResponse.company_id.is_not(None))
        .group_by(PublicResponse.company_id)
        .having(unanswered >= threshold)
    ).all()
    found = [RateRow(str(cid), name, _record(*counts)) for cid, name, *counts in rows]
    return sorted(found, key=lambda row: (-row.record.did_not_respond, row.name))
