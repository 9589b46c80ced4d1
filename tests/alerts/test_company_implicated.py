"""The company-implicated branch (issue 18 point 3), on SQLite and PostgreSQL: when the
company's staff, its security provider or a contractor is the alleged perpetrator, or the
company's involvement is direct or instigator, no playbook proposes the operator's security or
community-relations chain (it is shown unticked, with the reason) and tier 1 starts with the
parent's human-rights lead, its chief executive and the investors."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.factories import make_staff, sign_in
from vigil.alerts.implicated import company_implicated
from vigil.alerts.models import AlertRecipient
from vigil.alerts.proposal import propose
from vigil.alerts.service import draft_alert
from vigil.companies.service import get_company_by_key
from vigil.contacts.models import Contact, ContactKind
from vigil.core.audit import AuditEvent
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.models import Involvement
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.playbooks.service import list_playbooks
from vigil.vocabularies.service import get_term

SECURITY = "Julián Ortega (fictional)"  # the operator's site security lead in the demo
PARENT_HR = "Harriet Cole (fictional)"  # the parent's human-rights lead
INVESTOR = "Ingrid Solberg (fictional)"  # an investor's stewardship team
COMMUNITY = "Community relations, El Roble (test)"


@pytest.fixture
def story(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    operator = get_company_by_key(session, key="demo:minera-andina")
    session.add(
        Contact(
            organisation_id=org.id,
            name=COMMUNITY,
            role="community_relations",
            title="Relaciones comunitarias",
            kind=ContactKind.company,
            organisation_name=operator.name,
            company_id=operator.id,
            country="CO",
            language="es",
            email="comunidades@minera-andina.example.org",
        )
    )
    session.flush()
    return org, incident


def _suspect(session, incident, *, perpetrator: str, role: str, certainty: str = "alleged") -> None:  # type: ignore[no-untyped-def]
    involvement = session.scalar(
        select(Involvement)
        .join(Involvement.act)
        .where(Involvement.act.has(incident_id=incident.id))
    )
    involvement.perpetrator_type = get_term(
        session, vocabulary="perpetrator_type", code=perpetrator
    )
    involvement.role = role
    involvement.certainty = certainty
    session.flush()
    session.refresh(incident)


def _proposal(session, org, incident, playbook):  # type: ignore[no-untyped-def]
    leverage = leverage_for_incident(session, org_id=org.id, incident_id=incident.id)
    tiers = playbook.document.get("tiers", [])
    return propose(session, org_id=org.id, incident=incident, leverage=leverage, tiers=tiers)


def _death_threat(session, org):  # type: ignore[no-untyped-def]
    return next(p for p in list_playbooks(session, org_id=org.id) if p.code == "death_threat")


@pytest.mark.parametrize(
    ("perpetrator", "role"),
    [
        ("company_staff", "unspecified"),
        ("private_security", "unspecified"),
        ("unknown", "direct"),
        ("unknown", "instigator"),
    ],
)
def test_an_implicated_company_loses_its_security_chain_and_tier_one_starts_higher(
    session, story, perpetrator, role
):  # type: ignore[no-untyped-def]
    org, incident = story
    _suspect(session, incident, perpetrator=perpetrator, role=role)
    assert company_implicated(incident) is not None
    proposed = {
        p.contact.name: p for p in _proposal(session, org, incident, _death_threat(session, org))
    }
    assert proposed[SECURITY].included is False
    assert proposed[SECURITY].reason.startswith("Left out: the company is implicated")
    first = {name for name, p in proposed.items() if p.tier == 1 and p.included}
    assert {PARENT_HR, INVESTOR} <= first
    assert SECURITY not in first


@pytest.mark.parametrize(
    ("perpetrator", "role"),
    [
        ("unknown", "unspecified"),
        ("unknown", "complicit"),
        ("armed_groups", "unspecified"),
        ("police", "unspecified"),
    ],
)
def test_a_company_not_implicated_keeps_the_playbook_as_written(session, story, perpetrator, role):  # type: ignore[no-untyped-def]
    org, incident = story
    _suspect(session, incident, perpetrator=perpetrator, role=role)
    assert company_implicated(incident) is None
    proposed = {
        p.contact.name: p for p in _proposal(session, org, incident, _death_threat(session, org))
    }
    assert proposed[SECURITY].included is True and proposed[SECURITY].tier == 1
    assert proposed[INVESTOR].tier > 1
    assert all(p.included for p in proposed.values())


def test_a_direct_role_without_a_company_does_not_implicate_it(session, story):  # type: ignore[no-untyped-def]
    _org, incident = story
    _suspect(session, incident, perpetrator="unknown", role="direct")
    for act in incident.acts:
        for involvement in act.involvements:
            involvement.company_id = None
    session.flush()
    assert company_implicated(incident) is None


def test_every_bundled_playbook_leaves_the_operator_chain_out_when_implicated(session, story):  # type: ignore[no-untyped-def]
    org, incident = story
    playbooks = list_playbooks(session, org_id=org.id)
    assert len(playbooks) >= 7
    _suspect(session, incident, perpetrator="private_security", role="unspecified")
    for playbook in playbooks:
        proposed = _proposal(session, org, incident, playbook)
        sent = [p for p in proposed if p.included]
        assert not [p for p in sent if p.role in {"security_lead", "community_relations"}], (
            playbook.code
        )
        assert not [p for p in sent if p.contact.name in {SECURITY, COMMUNITY}], playbook.code
        first = {p.contact.name for p in sent if p.tier == 1}
        assert PARENT_HR in first, playbook.code


def test_the_smear_playbook_proposes_community_relations_only_when_not_implicated(session, story):  # type: ignore[no-untyped-def]
    org, incident = story
    smear = next(p for p in list_playbooks(session, org_id=org.id) if p.code == "smear_campaign")
    proposed = {p.contact.name: p for p in _proposal(session, org, incident, smear)}
    assert proposed[COMMUNITY].included is True
    _suspect(session, incident, perpetrator="company_staff", role="unspecified")
    proposed = {p.contact.name: p for p in _proposal(session, org, incident, smear)}
    assert proposed[COMMUNITY].included is False


def test_the_draft_shows_the_branch_unticked_and_audits_it(session, story):  # type: ignore[no-untyped-def]
    org, incident = story
    _suspect(session, incident, perpetrator="company_staff", role="direct")
    playbook = _death_threat(session, org)
    alert = draft_alert(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=None, playbook_id=playbook.id
    )
    rows = {
        contact.name: recipient
        for recipient, contact in session.execute(
            select(AlertRecipient, Contact)
            .join(Contact, Contact.id == AlertRecipient.contact_id)
            .where(AlertRecipient.alert_id == alert.id)
        )
    }
    assert rows[SECURITY].included is False
    assert "the company is implicated (perpetrator: company staff)" in rows[SECURITY].reason
    assert rows[PARENT_HR].included is True and rows[PARENT_HR].tier == 1
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "alert.drafted", AuditEvent.object_id == str(alert.id)
        )
    )
    assert json.loads(event.detail)["company_implicated"] is True


def test_the_draft_page_states_the_branch_and_shows_who_is_left_out(session, client, story):  # type: ignore[no-untyped-def]
    org, incident = story
    analyst = make_staff(session, org, "analyst")
    sign_in(client, analyst)
    alert = draft_alert(
        session,
        org_id=org.id,
        incident_id=incident.id,
        actor_user_id=None,
        playbook_id=_death_threat(session, org).id,
    )
    page = client.get(f"/staff/alerts/{alert.id}")
    assert 'id="company-implicated"' not in page.text
    _suspect(session, incident, perpetrator="private_security", role="unspecified")
    alert = draft_alert(
        session,
        org_id=org.id,
        incident_id=incident.id,
        actor_user_id=None,
        playbook_id=_death_threat(session, org).id,
    )
    page = client.get(f"/staff/alerts/{alert.id}")
    assert 'id="company-implicated"' in page.text
    security = session.scalar(
        select(AlertRecipient)
        .join(Contact, Contact.id == AlertRecipient.contact_id)
        .where(AlertRecipient.alert_id == alert.id, Contact.name == SECURITY)
    )
    box = re.search(rf'<input type="checkbox"[^>]*id="recipient-{security.id}"[^>]*>', page.text)
    assert box is not None and "checked" not in box.group(0)
    assert "Left out: the company is implicated (perpetrator: private security)" in page.text


@pytest.mark.parametrize("certainty", ["alleged", "documented", "established"])
def test_a_contractor_implicates_the_company_like_its_own_staff(session, story, certainty):  # type: ignore[no-untyped-def]
    org, incident = story
    _suspect(session, incident, perpetrator="contractor", role="direct", certainty=certainty)
    assert company_implicated(incident) == "perpetrator: contractor"
    proposed = {
        p.contact.name: p for p in _proposal(session, org, incident, _death_threat(session, org))
    }
    assert proposed[SECURITY].included is False
    assert PARENT_HR in {n for n, p in proposed.items() if p.tier == 1 and p.included}


@pytest.mark.parametrize("perpetrator", ["unknown", "company_staff", "contractor"])
def test_a_company_linked_with_no_involvement_alleged_keeps_the_playbook(
    session, story, perpetrator
):  # type: ignore[no-untyped-def]
    """BHRRC's "linked" is the right of reply: the company is asked, not suspected."""
    org, incident = story
    _suspect(session, incident, perpetrator=perpetrator, role="linked", certainty="documented")
    assert company_implicated(incident) is None
    proposed = {
        p.contact.name: p for p in _proposal(session, org, incident, _death_threat(session, org))
    }
    assert proposed[SECURITY].included is True and proposed[SECURITY].tier == 1


@pytest.mark.parametrize("role", ["complicit", "beneficiary", "acquiescence", "unspecified"])
def test_the_branch_is_chosen_from_the_role_not_from_the_certainty(session, story, role):  # type: ignore[no-untyped-def]
    _org, incident = story
    _suspect(session, incident, perpetrator="unknown", role=role, certainty="established")
    assert company_implicated(incident) is None
    _suspect(session, incident, perpetrator="unknown", role="instigator", certainty="alleged")
    assert company_implicated(incident) == "company involvement: instigator"


def test_the_branch_is_stored_at_launch_and_a_later_edit_changes_nothing(  # type: ignore[no-untyped-def]
    session, settings, vault, client, story
):
    from vigil.alerts.models import Alert
    from vigil.alerts.service import launch_alert
    from vigil.core.db import utcnow

    org, incident = story
    _suspect(session, incident, perpetrator="company_staff", role="direct")
    alert = draft_alert(
        session,
        org_id=org.id,
        incident_id=incident.id,
        actor_user_id=None,
        playbook_id=_death_threat(session, org).id,
    )
    assert alert.company_implicated == "perpetrator: company staff"
    launch_alert(
        session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None,
        now=utcnow(),
    )  # fmt: skip
    launched = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "alert.launched", AuditEvent.object_id == str(alert.id)
        )
    )
    assert json.loads(launched.detail)["company_implicated"] == "perpetrator: company staff"
    before = session.execute(
        select(AlertRecipient.contact_id, AlertRecipient.included).where(
            AlertRecipient.alert_id == alert.id
        )
    ).all()
    # The incident is edited afterwards: the company is no longer implicated.
    _suspect(session, incident, perpetrator="unknown", role="unspecified")
    assert company_implicated(incident) is None
    session.expire_all()
    assert session.get(Alert, alert.id).company_implicated == "perpetrator: company staff"
    after = session.execute(
        select(AlertRecipient.contact_id, AlertRecipient.included).where(
            AlertRecipient.alert_id == alert.id
        )
    ).all()
    assert sorted(after) == sorted(before)
    sign_in(client, make_staff(session, org, "analyst"))
    page = client.get(f"/staff/alerts/{alert.id}")
    assert 'id="company-implicated"' in page.text
    assert "applied when this alert was launched (perpetrator: company staff)" in page.text
