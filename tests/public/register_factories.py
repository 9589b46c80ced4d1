"""Register rows written directly (PublicIncident, its labels, PublicResponse), so the public
pages' tests do not depend on the register batch. Each row still points at a bare incident
(the table's foreign key), which holds nothing a page could show."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from vigil.companies.models import Company, CompanyRelationship
from vigil.core.crypto import Vault
from vigil.incidents.models import Incident
from vigil.organisations.models import Organisation
from vigil.public.register import fold_text
from vigil.public.register_models import (
    LabelKind,
    PublicIncident,
    PublicIncidentLabel,
    PublicResponse,
    joined,
)


def make_company(session: Session, name: str = "Minera Andina S.A.", **fields: Any) -> Company:
    company = Company(name=name, **fields)
    session.add(company)
    session.flush()
    return company


def link_companies(session: Session, parent: Company, subsidiary: Company) -> None:
    session.add(
        CompanyRelationship(
            kind="parent_subsidiary", from_company_id=parent.id, to_company_id=subsidiary.id
        )
    )
    session.flush()


def _bare_incident(session: Session, org: Organisation) -> Incident:
    key = Vault(session=session, ring=session.info["keyring"]).new_key()
    incident = Incident(organisation_id=org.id, title="internal", data_key_id=key.id, country="CO")
    session.add(incident)
    session.flush()
    return incident


def make_public_incident(
    session: Session,
    org: Organisation,
    *,
    country: str = "CO",
    region: str = "CO-CAU",
    year: int = 2025,
    month: int | None = 3,
    occurred_on: date | None = None,
    sort_date: date | None = None,
    sector: str = "mining",
    response_status: str = "not_invited",
    summary: str = "",
    place: str = "",
    attack_types: tuple[str, ...] = ("death_threat",),
    defender_types: tuple[str, ...] = ("land_environment",),
    companies: tuple[Company, ...] = (),
    victims: list[dict[str, Any]] | None = None,
    words: str = "",
) -> PublicIncident:
    """A register row with its labels; ``words`` is added to the search text."""
    victims = victims or [
        {
            "shown_as": "Defender A",
            "named": False,
            "kind": "person",
            "types": list(defender_types),
            "genders": [],
        }
    ]
    detail = {
        "attack_types": list(attack_types),
        "victims": victims,
        "companies": [
            {"id": c.id, "name": c.name, "role": "direct", "certainty": "alleged"}
            for c in companies
        ],
        "date_precision": "day" if occurred_on else "month" if month else "year",
    }
    text = " ".join(
        [*attack_types, sector, country, region, place, summary, words]
        + [c.name for c in companies]
        + [v["shown_as"] for v in victims]
    )
    row = PublicIncident(
        code=secrets.token_hex(6),
        incident_id=_bare_incident(session, org).id,
        organisation_id=org.id,
        title="stored title",
        country=country,
        region=region,
        place=place,
        year=year,
        month=month,
        occurred_on=occurred_on,
        sort_date=sort_date or occurred_on or date(year, month or 1, 1),
        sector=sector,
        response_status=response_status,
        summary=summary,
        search_text=fold_text(text),
        detail=detail,
        attack_types=joined(attack_types),
        defender_types=joined(sorted(set(defender_types))),
        companies=joined(c.name for c in companies),
    )
    row.labels = (
        [PublicIncidentLabel(kind=LabelKind.attack_type, code=c) for c in attack_types]
        + [PublicIncidentLabel(kind=LabelKind.defender_type, code=c) for c in defender_types]
        + [PublicIncidentLabel(kind=LabelKind.company, code=str(c.id)) for c in companies]
    )
    session.add(row)
    session.flush()
    return row


def make_response(
    session: Session,
    incident: PublicIncident,
    company: Company,
    *,
    asked_on: date,
    deadline: date | None = None,
    responded_after: int | None = None,
    classification: str = "",
    deflection: bool = False,
    text: str = "",
    follow_up_of: PublicResponse | None = None,
) -> PublicResponse:
    """A right-of-reply row; ``responded_after`` days after ``asked_on`` (None: no answer)."""
    responded_at = (
        datetime.combine(asked_on + timedelta(days=responded_after), time(12), tzinfo=UTC)
        if responded_after is not None
        else None
    )
    row = PublicResponse(
        public_incident_id=incident.id,
        request_id=secrets.randbelow(2**30) + 1,
        company_id=company.id,
        company_name=company.name,
        asked_on=asked_on,
        deadline=deadline or asked_on + timedelta(days=7),
        responded_at=responded_at,
        classification=classification,
        deflection=deflection,
        text=text,
        follow_up_of=follow_up_of.request_id if follow_up_of else None,
    )
    session.add(row)
    session.flush()
    return row
