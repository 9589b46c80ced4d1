"""Sexual violence is survivor-led (issue 18 point 7), on SQLite and PostgreSQL: for a case
with sexual violence no company contact is proposed (not the operator's security chain, not
the parent, not buyers, investors or lenders), whatever playbook the analyst chooses and even
when the company is implicated; the state protection and human-rights bodies she agreed to are.
A company is told only if the survivor asks, by the analyst adding it by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from vigil.alerts.models import AlertRecipient
from vigil.alerts.proposal import propose
from vigil.alerts.service import add_recipient, draft_alert
from vigil.alerts.survivor_led import is_company_contact, survivor_led
from vigil.contacts.models import Contact, ContactKind
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.models import Act, Involvement
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.playbooks.service import list_playbooks
from vigil.vocabularies.service import get_term

SECURITY = "Julián Ortega (fictional)"  # the operator's site security lead in the demo


@pytest.fixture
def story(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    return org, incident


def _make_sexual_violence(session, incident, *, perpetrator: str | None = None) -> None:  # type: ignore[no-untyped-def]
    term = get_term(session, vocabulary="attack_type", code="sexual_violence")
    for act in session.scalars(select(Act).where(Act.incident_id == incident.id)):
        act.attack_type = term
    if perpetrator:
        involvement = session.scalar(
            select(Involvement).join(Involvement.act).where(Act.incident_id == incident.id)
        )
        involvement.perpetrator_type = get_term(
            session, vocabulary="perpetrator_type", code=perpetrator
        )
    session.flush()
    session.refresh(incident)


def _proposal(session, org, incident, code: str):  # type: ignore[no-untyped-def]
    playbook = next(p for p in list_playbooks(session, org_id=org.id) if p.code == code)
    leverage = leverage_for_incident(session, org_id=org.id, incident_id=incident.id)
    tiers = playbook.document.get("tiers", [])
    return propose(session, org_id=org.id, incident=incident, leverage=leverage, tiers=tiers)


def _company(contact: Contact) -> bool:
    return contact.company_id is not None or contact.kind in {
        ContactKind.company,
        ContactKind.investor,
        ContactKind.buyer,
        ContactKind.lender,
    }


def test_the_same_case_without_sexual_violence_proposes_the_company(session, story):  # type: ignore[no-untyped-def]
    """The control: the demo's death threat reaches the operator's security lead."""
    org, incident = story
    assert not survivor_led(incident)
    names = {p.contact.name for p in _proposal(session, org, incident, "death_threat")}
    assert SECURITY in names


@pytest.mark.parametrize("code", ["sexual_violence", "death_threat", "killing", "forced_eviction"])
@pytest.mark.parametrize("perpetrator", [None, "private_security", "company_staff"])
def test_a_sexual_violence_case_proposes_no_company_or_security_contact(
    session, story, code, perpetrator
):  # type: ignore[no-untyped-def]
    org, incident = story
    _make_sexual_violence(session, incident, perpetrator=perpetrator)
    assert survivor_led(incident)
    proposed = _proposal(session, org, incident, code)
    companies = [p.contact.name for p in proposed if _company(p.contact)]
    assert companies == [], (code, perpetrator)
    assert not [p for p in proposed if p.role in {"security_lead", "community_relations"}]
    assert not [p for p in proposed if is_company_contact(p.contact, p.role)]


def test_the_sexual_violence_draft_reaches_only_the_bodies_she_agreed_to(session, story):  # type: ignore[no-untyped-def]
    org, incident = story
    _make_sexual_violence(session, incident, perpetrator="private_security")
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    rows = list(
        session.execute(
            select(AlertRecipient, Contact)
            .join(Contact, Contact.id == AlertRecipient.contact_id)
            .where(AlertRecipient.alert_id == alert.id)
        )
    )
    assert rows, "the national human-rights institution and UN procedures are proposed"
    assert not [contact.name for _recipient, contact in rows if _company(contact)]
    kinds = {contact.kind for _recipient, contact in rows}
    assert kinds & {ContactKind.nhri, ContactKind.un, ContactKind.protection}
    # If the survivor asks for the company to be told, the analyst adds it by hand.
    security = session.scalar(
        select(Contact).where(Contact.organisation_id == org.id, Contact.name == SECURITY)
    )
    added = add_recipient(
        session,
        org_id=org.id,
        alert_id=alert.id,
        contact_id=security.id,
        tier=1,
        actor_user_id=None,
    )
    assert added.added_by_hand and added.included
