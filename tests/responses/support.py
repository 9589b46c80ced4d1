"""A case with a company, its directory contact and a right-of-reply request: the world the
responses tests act in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from tests.factories import make_incident, make_org
from vigil.companies.models import Company
from vigil.contacts.models import Contact
from vigil.incidents.models import Incident
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.outbox.service import open_content
from vigil.responses.models import ResponseRequest
from vigil.responses.service import Ask, ask_company

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
QUESTION = "Did your security contractor patrol the access road in March?"


@dataclass
class ReplyWorld:
    org: Organisation
    incident: Incident
    company: Company
    contact: Contact


def make_reply_world(session, vault, *, language: str = "en") -> ReplyWorld:  # type: ignore[no-untyped-def]
    org = make_org(session)
    company = Company(name="Minera Planted S.A.")
    session.add(company)
    session.flush()
    incident = make_incident(session, org, vault=vault, company_id=company.id)
    contact = Contact(
        organisation_id=org.id,
        name="Carla Contact",
        language=language,
        email="carla@minera.example",
        company_id=company.id,
    )
    session.add(contact)
    session.flush()
    return ReplyWorld(org=org, incident=incident, company=company, contact=contact)


def ask(
    session, settings, vault, world: ReplyWorld, *, now: datetime = NOW, **more
) -> ResponseRequest:  # type: ignore[no-untyped-def]
    return ask_company(
        session,
        settings,
        vault,
        org_id=world.org.id,
        incident_id=world.incident.id,
        ask=Ask(
            company_id=world.company.id,
            contact_id=world.contact.id,
            **{"question": QUESTION, **more},
        ),
        actor_user_id=None,
        now=now,
    )


def emails(session, vault, purpose: str = "reply_request") -> list[dict]:  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(Delivery).where(Delivery.purpose == purpose).order_by(Delivery.id)
    ).all()
    return [open_content(vault, row) for row in rows]


def token_in(content: dict) -> str:
    match = re.search(r"/l/([A-Za-z0-9_-]{20,100})", content["text"])
    assert match, "the e-mail has no link"
    return match.group(1)
