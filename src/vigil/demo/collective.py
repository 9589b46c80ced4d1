"""Demo collective action and grievance mechanisms: one fictional multi-stakeholder
roundtable on mining in Colombia, with demo companies as members, a past intervention and a
directory contact (so drafting an alert on a Colombian mining case suggests it), and one
fictional company grievance line with figures and a complete UNGP 31 assessment. Every name,
address and figure is invented; no real initiative or mechanism is described."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor, Role
from vigil.accounts.models import Membership
from vigil.companies.service import get_company_by_key
from vigil.contacts.models import Contact, ContactKind
from vigil.core.errors import NotFound
from vigil.diligence.collective import service as collective
from vigil.diligence.collective.models import Initiative
from vigil.diligence.grievance import service as grievance
from vigil.diligence.grievance.criteria import CRITERIA
from vigil.diligence.grievance.models import Mechanism

INITIATIVE = "Mesa Andina del Agua y la Minería (demo)"
MECHANISM = "Línea de Quejas de Minera Andina (demo)"
RATINGS = {
    "legitimate": "partly_met",
    "accessible": "not_met",
    "predictable": "partly_met",
    "equitable": "no_information",
    "transparent": "not_met",
    "rights_compatible": "partly_met",
    "continuous_learning": "no_information",
    "engagement_dialogue": "not_met",
}


def _company_id(session: Session, key: str) -> int | None:
    try:
        return get_company_by_key(session, key=f"demo:{key}").id
    except NotFound:
        return None


def _initiative(session: Session, org_id: int, coordinator: Actor) -> int:
    desk = Contact(
        organisation_id=org_id,
        name="Secretaría técnica (demo)",
        kind=ContactKind.msi,
        organisation_name=INITIATIVE,
        country="CO",
        language="es",
        email="secretaria@mesa-andina.example",
    )
    session.add(desk)
    session.flush()
    row = collective.create_initiative(
        session,
        org_id=org_id,
        data=collective.InitiativeInput(
            name=INITIATIVE,
            kind="multi_stakeholder",
            convenor="Gobernación ficticia del Cauca (demo)",
            description="A fictional roundtable of companies, communities and local authorities.",
            website="https://mesa-andina.example/",
            email="contacto@mesa-andina.example",
            contact_id=desk.id,
            countries="CO",
            sectors=("mining",),
        ),
        actor_user_id=coordinator.user_id,
    )
    for key, role in (("minera-andina", "Member company"), ("northbridge", "Observer")):
        company_id = _company_id(session, key)
        if company_id is not None:
            collective.add_member(
                session,
                org_id=org_id,
                initiative_id=row.id,
                company_id=company_id,
                role=role,
                since=date(2021, 3, 1),
                actor_user_id=coordinator.user_id,
            )
    collective.add_intervention(
        session,
        org_id=org_id,
        initiative_id=row.id,
        data=collective.InterventionInput(
            date(2024, 5, 14),
            "CO",
            "Joint letter asking the members to review their security contractors (demo).",
            "One member changed contractor (demo).",
            "https://mesa-andina.example/letter-2024",
        ),
        actor_user_id=coordinator.user_id,
        today=date(2024, 5, 14),
    )
    collective.set_initiative_published(
        session, actor=coordinator, initiative_id=row.id, published=True
    )
    return 1


def _mechanism(session: Session, org_id: int, coordinator: Actor, today: date) -> int:
    row = grievance.create_mechanism(
        session,
        org_id=org_id,
        data=grievance.MechanismInput(
            name=MECHANISM,
            kind="company",
            owner_company_id=_company_id(session, "minera-andina"),
            owner_institution="Minera Andina del Cauca (demo)",
            procedures="Call the line or write to it; an answer is promised within 30 days (demo).",
            languages="es",
            channels=("phone", "email", "in_person"),
            accepts_anonymous=False,
            website="https://minera-andina.example/quejas",
            countries="CO",
            sectors=("mining",),
        ),
        actor_user_id=coordinator.user_id,
    )
    grievance.record_statistic(
        session,
        org_id=org_id,
        mechanism_id=row.id,
        data=grievance.StatisticInput(2025, 48, 31, 22, 6, 74, "https://minera-andina.example/r"),
        actor_user_id=coordinator.user_id,
        this_year=today.year,
    )
    grievance.record_assessment(
        session,
        org_id=org_id,
        mechanism_id=row.id,
        ratings={
            code: grievance.CriterionInput(
                RATINGS[code],
                "" if RATINGS[code] == "no_information" else f"Demo excerpt on {code}.",
                "" if RATINGS[code] == "no_information" else "https://minera-andina.example/q",
            )
            for code in CRITERIA
        },
        assessed_on=today,
        actor_user_id=coordinator.user_id,
        assessor_name="Demo coordinator",
    )
    grievance.set_mechanism_published(
        session, actor=coordinator, mechanism_id=row.id, published=True
    )
    return 1


def load_collective(session: Session, *, org_id: int, today: date) -> int:
    """Idempotent: returns how many demo records (initiative, mechanism) were new. Recorded
    and published by the organisation's first coordinator (none: nothing is loaded)."""
    coordinator_id = session.scalar(
        select(Membership.user_id)
        .where(Membership.organisation_id == org_id, Membership.role == Role.coordinator)
        .order_by(Membership.user_id)
        .limit(1)
    )
    if coordinator_id is None:
        return 0
    coordinator = Actor(user_id=coordinator_id, org_id=org_id, role=Role.coordinator)
    created = 0
    known = select(Initiative.id).where(
        Initiative.organisation_id == org_id, Initiative.name == INITIATIVE
    )
    if session.scalar(known) is None:
        created += _initiative(session, org_id, coordinator)
    known = select(Mechanism.id).where(
        Mechanism.organisation_id == org_id, Mechanism.name == MECHANISM
    )
    if session.scalar(known) is None:
        created += _mechanism(session, org_id, coordinator, today)
    return created
