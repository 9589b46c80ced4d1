"""A world for the statements tests: an organisation, its directory contacts and a link
token read back from the e-mail the outbox holds (as the invitee would)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_org
from vigil.access import Actor
from vigil.contacts.models import Contact
from vigil.core.crypto import Vault
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.outbox.service import open_content


def make_contact(
    session: Session, org: Organisation, name: str, company: str, *, language: str = "en"
) -> Contact:
    slug = re.sub(r"[^a-z]+", "", name.lower())
    contact = Contact(
        organisation_id=org.id,
        name=name,
        organisation_name=company,
        language=language,
        email=f"{slug}@{org.slug}.example",
    )
    session.add(contact)
    session.flush()
    return contact


def actor(org: Organisation, role: str = "coordinator", user_id: int = 1) -> Actor:
    return Actor(user_id=user_id, org_id=org.id, role=role)


def mails_to(session: Session, vault: Vault, contact: Contact) -> list[dict]:
    rows = session.scalars(
        select(Delivery).where(Delivery.contact_id == contact.id).order_by(Delivery.id)
    )
    return [{**open_content(vault, row), "language": row.language} for row in rows]


def token_in(mail: dict) -> str:
    match = re.search(r"https://vigil\.test/l/([A-Za-z0-9_-]+)", mail["text"])
    assert match, mail["text"]
    return match.group(1)


__all__ = ["actor", "mails_to", "make_contact", "make_org", "token_in"]
