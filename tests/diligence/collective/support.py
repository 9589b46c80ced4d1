"""A world for the collective-action tests: an organisation with a directory contact, registry
companies, and a verified mining case in Colombia naming one of them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_incident, make_org, make_staff
from vigil.access import Actor
from vigil.companies.models import Company
from vigil.contacts.models import Contact, ContactKind
from vigil.core.crypto import Vault
from vigil.diligence.collective.service import InitiativeInput, create_initiative
from vigil.incidents.models import Incident
from vigil.organisations.models import Organisation
from vigil.vocabularies.models import VocabularyTerm


@dataclass
class World:
    org: Organisation
    contact: Contact
    named: Company  # named in the case
    other: Company
    incident: Incident

    def actor(self, role: str = "analyst") -> Actor:
        """A staff member of the organisation with ``role`` (a real account: ratings name
        who made them)."""
        session = Session.object_session(self.org)
        account = make_staff(session, self.org, role)
        return Actor(user_id=account.user.id, org_id=self.org.id, role=role)


def make_company(session: Session, name: str) -> Company:
    company = Company(name=f"{name} {secrets.token_hex(2)}")
    session.add(company)
    session.flush()
    return company


def sector_id(session: Session, code: str) -> int:
    return session.scalar(
        select(VocabularyTerm.id).where(
            VocabularyTerm.vocabulary == "sector", VocabularyTerm.code == code
        )
    )


def make_world(session: Session, vault: Vault, *, sector: str | None = "mining") -> World:
    org = make_org(session)
    contact = Contact(
        organisation_id=org.id,
        name="Desk of the Andean Water Roundtable",
        kind=ContactKind.msi,
        email="desk@roundtable.example",
    )
    session.add(contact)
    named = make_company(session, "Fictional Andes Gold")
    other = make_company(session, "Fictional Copper")
    incident = make_incident(session, org, vault=vault, country="CO", company_id=named.id)
    incident.sector_id = sector_id(session, sector) if sector else None
    session.flush()
    session.refresh(incident)
    return World(org, contact, named, other, incident)


def initiative(
    session: Session,
    world: World,
    name: str = "Fictional Andean Water Roundtable",
    *,
    countries: str = "CO",
    sectors: tuple[str, ...] = ("mining",),
    contact: bool = True,
) -> int:
    row = create_initiative(
        session,
        org_id=world.org.id,
        data=InitiativeInput(
            name=name,
            kind="multi_stakeholder",
            convenor="Fictional Ministry of Mines",
            countries=countries,
            sectors=sectors,
            contact_id=world.contact.id if contact else None,
            website="https://roundtable.example/",
        ),
        actor_user_id=None,
    )
    return row.id
