"""Demo lawsuits for SLAPP screening: fictional claims by the fictional Northbridge group
(``demo.catalogue``) against defenders of the demo incidents, so the screening page has hints
to show (two proceedings by one group, in two countries, one linked to a death threat) and
the public list has published cases. Every name, court file and amount is invented."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor
from vigil.accounts.models import Membership, Role
from vigil.companies.service import get_company_by_key
from vigil.core.errors import NotFound
from vigil.diligence.slapp import screening, service
from vigil.diligence.slapp.lawsuit_input import LawsuitInput
from vigil.diligence.slapp.models import Lawsuit
from vigil.incidents.models import Incident

ORGANISATION = "red-andina"
# case number, claimant key, incident ref or country, defendant description, form fields
LAWSUITS = [
    (
        "DEMO-SLAPP-1",
        "minera-andina",
        "demo-000",
        "a community leader who spoke at a public hearing",
        {"claim_type": "criminal_defamation", "claim_amount": "1500000000", "currency": "COP",
         "court": "Juzgado Penal Municipal (demo)", "country": "CO", "region": "CO-CAU",
         "filed_on": "2026-03-02", "postponements": "3"},
    ),
    (
        "DEMO-SLAPP-2",
        "northbridge-peru",
        "PE",
        "a community radio journalist",
        {"claim_type": "damages", "claim_amount": "750000", "currency": "PEN",
         "court": "Juzgado Civil de Cajamarca (demo)", "country": "PE", "region": "PE-CAJ",
         "filed_on": "2025-06-16", "decided_on": "2025-11-20", "outcome": "dismissed_early"},
    ),
]  # fmt: skip
JUDGEMENTS = [
    ("a", "met", "The claim is many times the defendant's yearly income (demo)."),
    ("b", "met", "A second claim by the same group in Peru on the same mine opposition (demo)."),
    ("c", "met", "A death threat followed the hearing where the defendant spoke (demo)."),
    ("d", "unclear", "Three postponements; the court file does not say who asked (demo)."),
]


def _coordinator(session: Session, org_id: int) -> Actor | None:
    user_id = session.scalar(
        select(Membership.user_id)
        .where(Membership.organisation_id == org_id, Membership.role == Role.coordinator)
        .order_by(Membership.user_id)
        .limit(1)
    )
    return Actor(user_id=user_id, org_id=org_id, role=Role.coordinator) if user_id else None


def _incident(session: Session, org_id: int, where: str) -> Incident | None:
    query = select(Incident).where(Incident.organisation_id == org_id)
    if where.startswith("demo-"):
        query = query.where(Incident.external_ref == where)
    else:
        query = query.where(Incident.country == where, Incident.external_ref.like("demo-%"))
    return session.scalar(query.order_by(Incident.external_ref).limit(1))


def load_slapp(session: Session, *, org_id: int, now: datetime) -> int:
    """Record the demo lawsuits once (found again by case number); returns how many were new."""
    actor = _coordinator(session, org_id)
    if actor is None:
        return 0
    created: list[Lawsuit] = []
    for number, claimant_key, where, description, fields in LAWSUITS:
        taken = select(Lawsuit.id).where(
            Lawsuit.organisation_id == org_id, Lawsuit.case_number == number
        )
        incident = _incident(session, org_id, where)
        if session.scalar(taken) is not None or incident is None or not incident.acts:
            continue
        try:
            company = get_company_by_key(session, key=f"demo:{claimant_key}")
        except NotFound:
            continue
        data = LawsuitInput(
            claimant_name=company.name,
            claimant_company_id=str(company.id),
            case_number=number,
            **fields,
        )
        row = service.create_lawsuit(session, actor=actor, data=data)
        victim = incident.acts[0].victim_id
        if victim is not None:
            service.add_defendant(
                session, actor=actor, lawsuit_id=row.id, defender_id=victim, description=description
            )
        service.link_incident(session, actor=actor, lawsuit_id=row.id, incident_id=incident.id)
        service.set_published(session, actor=actor, lawsuit_id=row.id, published=True, now=now)
        created.append(row)
    if len(created) == len(LAWSUITS):
        service.link_related(session, actor=actor, lawsuit_id=created[0].id, other_id=created[1].id)
        for indicator, judgement, reasoning in JUDGEMENTS:
            screening.record_judgement(
                session,
                actor=actor,
                lawsuit_id=created[0].id,
                indicator=indicator,
                judgement=judgement,
                reasoning=reasoning,
                now=now,
            )
    return len(created)
