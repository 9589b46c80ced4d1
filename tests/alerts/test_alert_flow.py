"""Launching an alert from a verified case, end to end in the service layer (SQLite and
PostgreSQL): the playbook proposes recipients from the leverage map and the directory, consent
decides what may be said, launching queues tier 1 in the same transaction, the worker's chain
job reminds and escalates only silent tiers, and resolving the case stops everything."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_incident, make_org, make_staff
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.message import preview, write_message
from vigil.alerts.models import Alert, AlertEvent, AlertRecipient, AlertTier
from vigil.alerts.service import add_recipient, draft_alert, launch_alert, set_recipients
from vigil.casework.service import change_status, request_closure
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders.consent import ConsentScope, Strategy, record_consent
from vigil.defenders.models import Defender
from vigil.defenders.service import reveal_name
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.models import Act, Incident
from vigil.incidents.service import find_incident_by_ref
from vigil.links.models import LinkPurpose, SignedLink
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.playbooks.service import import_playbook

PLAYBOOK = """
code: test_threat
title: {en: Test threat}
attack_types: [death_threat]
urgency: 0
guidance: {en: "Ask whether the defender is safe now."}
tiers:
  - label: {en: Operator and parent, es: Operadora y matriz}
    deadline_hours: 24
    recipients:
      - {role: security_lead, of: operator}
      - {role: human_rights_lead, of: parent}
  - label: {en: Buyers and financiers}
    deadline_hours: 72
    recipients:
      - {of: buyer, max_tier: 1}
      - {of: investor, min_percentage: 1}
      - {of: lender}
  - label: {en: Officials}
    deadline_hours: 72
    recipients:
      - {of: embassy}
      - {group: "UN special procedures"}
chain:
  - {notify: 1}
  - {wait_hours: 8}
  - {remind: 1}
  - {wait_hours: 16}
  - {escalate_if_unacknowledged: {from: 1, to: 2}}
  - {wait_hours: 48}
  - {escalate_if_unacknowledged: {from: 2, to: 3}}
messages:
  en:
    subject: "Urgent: {{ case_reference }}"
    body: |
      Dear {{ recipient_name }},

      {{ defender }} received a {{ attack_type }} near {{ project }} ({{ company }}).
      {{ analyst_note }}

      Acknowledge: {{ acknowledge_url }}
      Unsubscribe: {{ unsubscribe_url }}
  es:
    subject: "Urgente: {{ case_reference }}"
    body: |
      Estimado/a {{ recipient_name }}:

      {{ defender }} recibió una {{ attack_type }}. {{ analyst_note }}

      Acuse de recibo: {{ acknowledge_url }}
      Darse de baja: {{ unsubscribe_url }}
"""


@pytest.fixture
def story(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    playbook = import_playbook(session, org_id=org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    return org, incident, playbook


def _draft(session, story):  # type: ignore[no-untyped-def]
    org, incident, playbook = story
    return draft_alert(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=None, playbook_id=playbook.id
    )


def _launch(session, vault, settings, alert, *, now):  # type: ignore[no-untyped-def]
    return launch_alert(
        session,
        vault,
        settings,
        org_id=alert.organisation_id,
        alert_id=alert.id,
        actor_user_id=None,
        now=now,
    )


def _share(session, vault, alert, share_level: str):  # type: ignore[no-untyped-def]
    return write_message(
        session,
        vault,
        org_id=alert.organisation_id,
        alert_id=alert.id,
        note="",
        share_level=share_level,
        actor_user_id=None,
    )


def _recipients(session, alert):  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(AlertRecipient.tier, Contact.name, AlertRecipient.reason)
        .join(Contact, Contact.id == AlertRecipient.contact_id)
        .where(AlertRecipient.alert_id == alert.id)
        .order_by(AlertRecipient.tier, Contact.name)
    ).all()
    return [(tier, name) for tier, name, _reason in rows], {n: r for _t, n, r in rows}


def _deliveries(session, alert, **where):  # type: ignore[no-untyped-def]
    query = select(Delivery).where(Delivery.alert_id == alert.id).order_by(Delivery.id)
    for key, value in where.items():
        query = query.where(getattr(Delivery, key) == value)
    return session.scalars(query).all()


def test_playbook_proposes_recipients_from_the_leverage_map(session, story):
    alert = _draft(session, story)
    assert alert.status == "draft" and alert.urgency == 0
    proposed, reasons = _recipients(session, alert)
    assert proposed == [
        (1, "Harriet Cole (fictional)"),
        (1, "Julián Ortega (fictional)"),
        (2, "Ingrid Solberg (fictional)"),
        (2, "Lukas Meier (fictional)"),
        (2, "Marcus Webb (fictional)"),
        (3, "Political section, UK embassy in Bogotá (fictional)"),
        (3, "Special Rapporteur desk (fictional)"),
    ]
    assert reasons["Julián Ortega (fictional)"].startswith("Minera Andina del Cauca S.A.S.:")
    assert "investor, 6 % via parent" in reasons["Ingrid Solberg (fictional)"]
    tiers = session.scalars(select(AlertTier).where(AlertTier.alert_id == alert.id)).all()
    assert [t.label for t in tiers] == ["Operator and parent", "Buyers and financiers", "Officials"]


def test_launch_queues_tier_one_in_the_same_transaction(session, vault, settings, story):
    org, incident, _playbook = story
    alert = _draft(session, story)
    write_message(
        session,
        vault,
        org_id=org.id,
        alert_id=alert.id,
        note="Armed men came to her house at night.",
        share_level="alias",
        actor_user_id=None,
    )
    previews = {m.language: m for m in preview(session, vault, org_id=org.id, alert_id=alert.id)}
    assert set(previews) == {"en", "es"}
    assert "Armed men came to her house" in previews["en"].text
    assert previews["en"].subject == f"Urgent: VIGIL-{incident.id}"
    now = utcnow()
    _launch(session, vault, settings, alert, now=now)
    session.refresh(incident)
    assert alert.status == "active" and incident.status == "active"
    assert alert.verified_at == incident.verified_at
    queued = _deliveries(session, alert)
    assert sorted((d.tier, d.language) for d in queued) == [(1, "en"), (1, "es")]
    assert all(d.urgency == 0 and d.state == "queued" for d in queued)
    # Content is sealed, in the recipient's language, names the alias, never the real name.
    content = {
        d.language: json.loads(vault.open(d.data_key_id, d.content_sealed) or "{}") for d in queued
    }
    assert content["es"]["subject"].startswith("Urgente:")
    victim = session.get(
        Defender, session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    )
    assert victim.alias in content["en"]["text"]
    assert reveal_name(vault, victim) not in json.dumps(content, ensure_ascii=False)
    for message in content.values():
        assert "/l/" in message["unsubscribe_url"]
        assert message["unsubscribe_url"] in message["text"]
        assert message["payload"]["case_reference"] == f"VIGIL-{incident.id}"
    for delivery in queued:
        assert b"Armed men" not in delivery.content_sealed
    # Four single-purpose links per recipient, only hashes stored.
    links = session.scalars(select(SignedLink).where(SignedLink.alert_id == alert.id)).all()
    assert sorted({link.purpose for link in links}) == sorted(
        LinkPurpose(p).value for p in ("acknowledge", "request_info", "respond", "unsubscribe")
    )
    assert len(links) == 8
    assert alert.chain_due_at == now + timedelta(hours=8)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "alert")
    ).all()
    assert {"alert.drafted", "alert.message_written", "alert.launched"} <= set(actions)


def test_silent_tiers_are_reminded_and_escalated_acknowledged_ones_are_not(
    session, vault, settings, story
):
    alert = _draft(session, story)
    start = utcnow()
    _launch(session, vault, settings, alert, now=start)
    assert advance_alerts(session, vault, settings, now=start + timedelta(hours=1)) == 0
    assert advance_alerts(session, vault, settings, now=start + timedelta(hours=9)) == 1
    reminders = _deliveries(session, alert, purpose="reminder")
    assert len(reminders) == 2 and {d.tier for d in reminders} == {1}
    # Julián acknowledges: tier 1 has acknowledged, so no escalation to tier 2 at 24 h.
    julian = session.scalar(select(Contact).where(Contact.name.startswith("Julián")))
    recipient = session.scalar(
        select(AlertRecipient).where(
            AlertRecipient.alert_id == alert.id, AlertRecipient.contact_id == julian.id
        )
    )
    recipient.acknowledged_at = start + timedelta(hours=10)
    tier1 = session.scalar(
        select(AlertTier).where(AlertTier.alert_id == alert.id, AlertTier.tier == 1)
    )
    tier1.acknowledged_at = recipient.acknowledged_at
    session.flush()
    advance_alerts(session, vault, settings, now=start + timedelta(hours=25))
    assert _deliveries(session, alert, tier=2) == []
    skipped = session.scalars(
        select(AlertEvent.detail).where(
            AlertEvent.alert_id == alert.id, AlertEvent.kind == "skipped"
        )
    ).all()
    assert "tier 1 acknowledged: no escalation to tier 2" in skipped
    # The chain has now reached its end for tier 3 as tier 2 was never notified.
    advance_alerts(session, vault, settings, now=start + timedelta(hours=80))
    assert alert.chain_due_at is None


def test_a_silent_first_tier_escalates_to_the_second(session, vault, settings, story):
    alert = _draft(session, story)
    start = utcnow()
    _launch(session, vault, settings, alert, now=start)
    advance_alerts(session, vault, settings, now=start + timedelta(hours=9))
    advance_alerts(session, vault, settings, now=start + timedelta(hours=25))
    escalated = _deliveries(session, alert, purpose="escalation")
    assert {d.tier for d in escalated} == {2} and len(escalated) == 3
    events = session.scalars(
        select(AlertEvent.detail).where(
            AlertEvent.alert_id == alert.id, AlertEvent.kind == "escalated"
        )
    ).all()
    assert events == ["tier 1 did not acknowledge; 3 deliveries"]


def test_resolving_the_case_stops_the_alert_and_cancels_what_is_queued(
    session, vault, settings, story
):
    org, incident, _playbook = story
    alert = _draft(session, story)
    start = utcnow()
    _launch(session, vault, settings, alert, now=start)
    change_status(
        session, org_id=org.id, incident_id=incident.id, status="resolved", actor_user_id=None
    )
    advance_alerts(session, vault, settings, now=start + timedelta(minutes=1))
    assert alert.status == "resolved" and alert.chain_due_at is None
    assert {d.state for d in _deliveries(session, alert)} == {"cancelled"}
    advance_alerts(session, vault, settings, now=start + timedelta(hours=30))
    assert _deliveries(session, alert, purpose="escalation") == []


def test_closing_the_case_ends_its_alerts_like_resolving(session, vault, settings, story):
    """Resolved and closed before the worker's next poll: the closed case still ends the
    alert (not only a case left "resolved")."""
    org, incident, _playbook = story
    alert = _draft(session, story)
    start = utcnow()
    _launch(session, vault, settings, alert, now=start)
    queued = len(_deliveries(session, alert, state="queued"))
    change_status(
        session, org_id=org.id, incident_id=incident.id, status="resolved", actor_user_id=None
    )
    outcome = request_closure(
        session,
        org_id=org.id,
        incident_id=incident.id,
        reason="threat_stopped",
        note="",
        actor_user_id=None,
    )
    assert outcome.closed and incident.status == "closed"
    advance_alerts(session, vault, settings, now=start + timedelta(minutes=1))
    assert alert.status == "resolved" and alert.chain_due_at is None
    assert queued > 0 and {d.state for d in _deliveries(session, alert)} == {"cancelled"}
    stopped = session.scalars(
        select(AlertEvent.detail).where(
            AlertEvent.alert_id == alert.id, AlertEvent.kind == "resolved"
        )
    ).all()
    assert stopped == [f"case closed; {queued} queued deliveries cancelled"]
    advance_alerts(session, vault, settings, now=start + timedelta(hours=30))
    assert _deliveries(session, alert, state="queued") == []


def test_record_only_after_drafting_refuses_the_launch_and_queues_nothing(
    session, vault, settings, story
):
    """Consent is read again at launch: a defender who asked, after the draft was written,
    that the attack only be recorded stops the alert before anything is queued."""
    org, incident, _playbook = story
    victim_id = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    alert = _draft(session, story)
    _share(session, vault, alert, "alias")
    status_before = incident.status
    record_consent(
        session,
        given_by="defender",
        org_id=org.id,
        defender_id=victim_id,
        scope="strategy",
        decision=Strategy.record_only,
        method="phone",
        actor_user_id=None,
    )
    with pytest.raises(Conflict, match="only be recorded"):
        _launch(session, vault, settings, alert, now=utcnow())
    assert alert.status == "draft" and alert.launched_at is None
    assert _deliveries(session, alert) == []
    links = select(func.count()).select_from(SignedLink).where(SignedLink.alert_id == alert.id)
    assert session.scalar(links) == 0
    assert incident.status == status_before


def test_consent_blocks_record_only_and_naming_without_consent(session, vault, story):
    org, incident, playbook = story
    victim_id = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    alert = _draft(session, story)
    with pytest.raises(Conflict, match="named"):
        write_message(
            session,
            vault,
            org_id=org.id,
            alert_id=alert.id,
            note="",
            share_level="name",
            actor_user_id=None,
        )
    record_consent(
        session,
        given_by="defender",
        org_id=org.id,
        defender_id=victim_id,
        scope=ConsentScope.share_with_stakeholders,
        decision="grant",
        method="in_person",
        actor_user_id=None,
    )
    _share(session, vault, alert, "name")
    record_consent(
        session,
        given_by="defender",
        org_id=org.id,
        defender_id=victim_id,
        scope="strategy",
        decision=Strategy.record_only,
        method="phone",
        actor_user_id=None,
    )
    with pytest.raises(Conflict, match="only be recorded"):
        draft_alert(
            session,
            org_id=org.id,
            incident_id=incident.id,
            actor_user_id=None,
            playbook_id=playbook.id,
        )


def test_editing_recipients_and_tenancy(session, vault, settings, story):
    org, incident, _playbook = story
    alert = _draft(session, story)
    tier1 = session.scalars(
        select(AlertRecipient).where(AlertRecipient.alert_id == alert.id, AlertRecipient.tier == 1)
    ).all()
    set_recipients(
        session, org_id=org.id, alert_id=alert.id, included_ids={tier1[0].id}, actor_user_id=None
    )
    other = make_org(session)
    stranger = Contact(organisation_id=other.id, name="Elsewhere", email="x@other.example.org")
    session.add(stranger)
    session.flush()
    with pytest.raises(NotFound):
        add_recipient(
            session,
            org_id=org.id,
            alert_id=alert.id,
            contact_id=stranger.id,
            tier=1,
            actor_user_id=None,
        )
    with pytest.raises(NotFound):
        draft_alert(session, org_id=other.id, incident_id=incident.id, actor_user_id=None)
    _launch(session, vault, settings, alert, now=utcnow())
    assert len(_deliveries(session, alert)) == 1
    with pytest.raises(Conflict):
        set_recipients(
            session, org_id=org.id, alert_id=alert.id, included_ids=set(), actor_user_id=None
        )


def test_unverified_case_cannot_be_alerted(session, vault):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault, status="triage")
    with pytest.raises(Conflict, match="verified"):
        draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    assert session.scalar(select(func.count()).select_from(Alert)) == 0
    assert session.get(Incident, incident.id).verified_at is None


def test_messages_follow_the_defenders_strategy(session, vault, story):
    org, incident, _playbook = story
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    quiet = {m.language: m.text for m in preview(session, vault, org_id=org.id, alert_id=alert.id)}
    assert alert.strategy == "quiet" and "handled discreetly" in quiet["en"]
    victim_id = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    record_consent(
        session,
        given_by="defender",
        org_id=org.id,
        defender_id=victim_id,
        scope="strategy",
        decision=Strategy.public,
        method="phone",
        actor_user_id=None,
    )
    _share(session, vault, alert, "alias")
    public = {m.language: m.text for m in preview(session, vault, org_id=org.id, alert_id=alert.id)}
    assert alert.strategy == "public" and "handled discreetly" not in public["en"]
    assert set(public) == {"en", "es", "fr", "pt"}


def test_an_invalid_address_stops_the_launch_before_anything_is_queued(
    session, vault, settings, story
):
    org, _incident, _playbook = story
    alert = _draft(session, story)
    harriet = session.scalar(select(Contact).where(Contact.name.startswith("Harriet")))
    harriet.email = "harriet at northbridge"  # edited outside Vigil's forms
    session.flush()
    with pytest.raises(Invalid, match="Harriet Cole"):
        launch_alert(
            session,
            vault,
            settings,
            org_id=org.id,
            alert_id=alert.id,
            actor_user_id=None,
            now=utcnow(),
        )
    assert _deliveries(session, alert) == []
    assert alert.status == "draft" and alert.launched_at is None


def test_launching_on_an_active_case_is_its_first_action(session, vault, settings, story):  # type: ignore[no-untyped-def]
    """The dashboard's time to first action: an alert launched by a staff member counts even
    when the case was already active (no status move to note it); one sent by the system
    does not."""
    org, incident, _playbook = story
    incident.status = "active"
    incident.first_action_at = None
    analyst = make_staff(session, org)
    unattended = _draft(session, story)
    _launch(session, vault, settings, unattended, now=utcnow())
    assert incident.first_action_at is None
    alert = _draft(session, story)
    now = utcnow()
    launch_alert(
        session,
        vault,
        settings,
        org_id=org.id,
        alert_id=alert.id,
        actor_user_id=analyst.user.id,
        now=now,
    )
    assert incident.first_action_at == now
