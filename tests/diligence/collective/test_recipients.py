"""Initiatives in an alert's recipient list (SQLite and PostgreSQL): drafting an alert for a
case suggests the directory contact of each initiative covering it, unticked, with the reason;
a contact the playbook already proposed is left as it was; an initiative of another country or
sector, or without a directory contact, is not suggested."""

from __future__ import annotations

from sqlalchemy import select

from tests.diligence.collective.support import initiative, make_world
from tests.factories import consent_of_the_defender
from vigil.alerts.models import AlertRecipient
from vigil.alerts.service import draft_alert
from vigil.contacts.models import Contact, ContactKind
from vigil.diligence.collective.recipients import suggest_initiatives
from vigil.diligence.collective.service import add_member
from vigil.playbooks.service import import_playbook

PLAYBOOK = """
code: test_collective
title: {en: Test}
attack_types: [death_threat]
urgency: 0
guidance: {en: "Ask whether the defender is safe now."}
tiers:
  - label: {en: First}
    deadline_hours: 24
    recipients:
      - {group: "Nobody"}
  - label: {en: Second}
    deadline_hours: 24
    recipients:
      - {group: "Nobody"}
chain:
  - {notify: 1}
  - {wait_hours: 8}
  - {escalate_if_unacknowledged: {from: 1, to: 2}}
messages:
  en:
    subject: "Urgent: {{ case_reference }}"
    body: "{{ analyst_note }} {{ acknowledge_url }} {{ unsubscribe_url }}"
"""


def _draft(session, world):  # type: ignore[no-untyped-def]
    consent_of_the_defender(session, world.incident, strategy="public")
    playbook = import_playbook(session, org_id=world.org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    return draft_alert(
        session,
        org_id=world.org.id,
        incident_id=world.incident.id,
        actor_user_id=None,
        playbook_id=playbook.id,
    )


def _recipients(session, alert):  # type: ignore[no-untyped-def]
    query = select(AlertRecipient).where(AlertRecipient.alert_id == alert.id)
    return {r.contact_id: r for r in session.scalars(query)}


def test_covering_initiatives_are_suggested_unticked_with_the_reason(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    initiative(session, world, "Fictional Andean Water Roundtable")
    peru_desk = Contact(organisation_id=world.org.id, name="Peru desk", kind=ContactKind.msi)
    session.add(peru_desk)
    session.flush()
    initiative(session, world, "Peru table", countries="PE")
    initiative(session, world, "No desk", contact=False)
    alert = _draft(session, world)
    assert (
        suggest_initiatives(session, org_id=world.org.id, alert_id=alert.id, actor_user_id=None)
        == 1
    )
    suggested = _recipients(session, alert)[world.contact.id]
    assert suggested.included is False
    assert suggested.tier == 2  # the widest circle: the last tier
    assert suggested.reason == (
        "Fictional Andean Water Roundtable: collective-action initiative covering Mining in "
        "Colombia"
    )
    assert peru_desk.id not in _recipients(session, alert)
    # Asked again (a second draft of the same alert), nothing is added twice.
    assert (
        suggest_initiatives(session, org_id=world.org.id, alert_id=alert.id, actor_user_id=None)
        == 0
    )


def test_a_member_named_in_the_case_is_said_first(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    row = initiative(session, world)
    add_member(
        session,
        org_id=world.org.id,
        initiative_id=row,
        company_id=world.named.id,
        actor_user_id=None,
    )
    alert = _draft(session, world)
    suggest_initiatives(session, org_id=world.org.id, alert_id=alert.id, actor_user_id=None)
    reason = _recipients(session, alert)[world.contact.id].reason
    assert reason.startswith("Caution: a member is named in this case.")


def test_a_contact_the_playbook_proposed_is_left_as_it_was(session, vault) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, vault)
    initiative(session, world)
    alert = _draft(session, world)
    session.add(
        AlertRecipient(
            alert_id=alert.id, contact_id=world.contact.id, tier=1, reason="by hand", included=True
        )
    )
    session.flush()
    assert (
        suggest_initiatives(session, org_id=world.org.id, alert_id=alert.id, actor_user_id=None)
        == 0
    )
    kept = _recipients(session, alert)[world.contact.id]
    assert (kept.included, kept.tier, kept.reason) == (True, 1, "by hand")
