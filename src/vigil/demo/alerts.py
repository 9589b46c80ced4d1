"""Demo recipients and playbooks for the fictional demo world (``vigil demo load``).

Every person and address here is invented (``example.org`` addresses, which no one can
receive); the companies are the demo's fictional companies. Loaded by the CLI after the core
demo data, because alerts sit above the demo package in the layers.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.service import get_company_by_key
from vigil.contacts.models import Contact, ContactGroup, ContactGroupMember, ContactKind
from vigil.organisations.models import Organisation
from vigil.playbooks.service import install_default_playbooks

UN_GROUP = "UN special procedures"

# name, role, title, kind, company key or organisation name, country, language, e-mail, group
CONTACTS: list[tuple[str, str, str, str, str, str | None, str, str, str | None]] = [
    (
        "Julián Ortega (fictional)",
        "security_lead",
        "Jefe de seguridad, El Roble",
        ContactKind.company,
        "demo:minera-andina",
        "CO",
        "es",
        "seguridad@minera-andina.example.org",
        None,
    ),
    (
        "Harriet Cole (fictional)",
        "human_rights_lead",
        "Head of Human Rights",
        ContactKind.company,
        "demo:northbridge",
        "GB",
        "en",
        "human.rights@northbridge.example.org",
        None,
    ),
    (
        "Lukas Meier (fictional)",
        "procurement_lead",
        "Responsible Sourcing Manager",
        ContactKind.buyer,
        "demo:helvetia",
        "CH",
        "fr",
        "sourcing@helvetia-metals.example.org",
        None,
    ),
    (
        "Ingrid Solberg (fictional)",
        "stewardship",
        "Active Ownership",
        ContactKind.investor,
        "demo:nordic-pension",
        "SE",
        "en",
        "stewardship@nordic-pension.example.org",
        None,
    ),
    (
        "Marcus Webb (fictional)",
        "lender_esg",
        "Environmental and Social Risk",
        ContactKind.lender,
        "demo:atlantic-dev",
        "US",
        "en",
        "esrisk@atlantic-dev.example.org",
        None,
    ),
    (
        "VPSHR secretariat (fictional desk)",
        "msi_secretariat",
        "Secretariat",
        ContactKind.msi,
        "demo:vps",
        None,
        "en",
        "secretariat@vps-demo.example.org",
        None,
    ),
    (
        "Political section, UK embassy in Bogotá (fictional)",
        "embassy_officer",
        "Human Rights Officer",
        ContactKind.embassy,
        "Embassy of the United Kingdom in Colombia",
        "GB",
        "es",
        "hrd.bogota@embassy-demo.example.org",
        None,
    ),
    (
        "Defensoría delegada (fictional)",
        "nhri_officer",
        "Delegada para defensores",
        ContactKind.nhri,
        "Defensoría del Pueblo (fictional desk)",
        "CO",
        "es",
        "defensores@nhri-co.example.org",
        None,
    ),
    (
        "Special Rapporteur desk (fictional)",
        "special_procedures",
        "Urgent appeals",
        ContactKind.un,
        "UN special procedures",
        None,
        "en",
        "urgent-appeals@un-demo.example.org",
        UN_GROUP,
    ),
]


def _group(session: Session, org_id: int, name: str) -> ContactGroup:
    group = session.scalar(
        select(ContactGroup).where(
            ContactGroup.organisation_id == org_id, ContactGroup.name == name
        )
    )
    if group is None:
        group = ContactGroup(organisation_id=org_id, name=name)
        session.add(group)
        session.flush()
    return group


def load_alert_demo(session: Session, *, org_slug: str = "red-andina") -> dict[str, int]:
    """Install the default playbooks in every demo organisation and the demo recipients in
    ``org_slug``. Idempotent: contacts are matched on their e-mail address."""
    created = {"playbooks": 0, "contacts": 0}
    for org in session.scalars(select(Organisation).order_by(Organisation.id)):
        created["playbooks"] += len(install_default_playbooks(session, org_id=org.id))
    org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if org is None:
        return created
    for name, role, title, kind, owner, country, language, email, group in CONTACTS:
        contact = session.scalar(
            select(Contact).where(Contact.organisation_id == org.id, Contact.email == email)
        )
        if contact is None:
            company = get_company_by_key(session, key=owner) if owner.startswith("demo:") else None
            contact = Contact(
                organisation_id=org.id,
                name=name,
                role=role,
                title=title,
                kind=kind,
                organisation_name=company.name if company else owner,
                company_id=company.id if company else None,
                country=country,
                language=language,
                email=email,
            )
            session.add(contact)
            session.flush()
            created["contacts"] += 1
            if group:
                session.add(
                    ContactGroupMember(
                        group_id=_group(session, org.id, group).id, contact_id=contact.id
                    )
                )
    session.flush()
    return created
