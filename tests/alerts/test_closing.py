"""When an alert or its case is resolved, every recipient the alert reached gets one closing
message through the outbox, in their language, from the playbook's own text or the standard
notice; alert e-mail carries the organisation's address as Reply-To."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import consent_of_the_defender, make_incident, make_org
from vigil.alerts.closing import resolve_alert
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.models import AlertRecipient
from vigil.alerts.service import draft_alert, launch_alert
from vigil.casework.service import change_status
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.organisations.service import set_contact_email
from vigil.outbox.channels import Outgoing
from vigil.outbox.channels.email import render_message
from vigil.outbox.models import Delivery
from vigil.outbox.service import open_content, record_sent
from vigil.playbooks.schema import PlaybookInvalid
from vigil.playbooks.service import import_playbook

PLAYBOOK = """
code: closing_test
title: {en: Closing test}
attack_types: [death_threat]
urgency: 1
guidance: {en: "Guidance."}
tiers:
  - label: {en: First}
    deadline_hours: 24
    recipients:
      - {group: "First tier"}
  - label: {en: Second}
    deadline_hours: 24
    recipients:
      - {group: "Second tier"}
chain:
  - {notify: 1}
  - {wait_hours: 24}
  - {escalate_if_unacknowledged: {from: 1, to: 2}}
messages:
  en:
    subject: "Case {{ case_reference }}"
    body: |
      Dear {{ recipient_name }}, {{ defender }} was threatened.
      Acknowledge: {{ acknowledge_url }}
      Unsubscribe: {{ unsubscribe_url }}
    closing: |
      Dear {{ recipient_name }}, case {{ case_reference }} is closed: thank you.
      {{ organisation }} · {{ unsubscribe_url }}
  es:
    subject: "Caso {{ case_reference }}"
    body: |
      Estimado/a {{ recipient_name }}: {{ defender }} fue amenazada.
      Acuse: {{ acknowledge_url }}
      Baja: {{ unsubscribe_url }}
    closing: |
      Estimado/a {{ recipient_name }}: el caso {{ case_reference }} está cerrado. Gracias.
      {{ unsubscribe_url }}
"""


@pytest.fixture
def launched(session, vault, settings):  # type: ignore[no-untyped-def]
    """An alert launched to tier 1 (three contacts: en, es, fr; the French one has e-mail and
    a webhook), with tier 2 (one contact) never reached; tier 1's deliveries were sent."""
    org = make_org(session)
    incident = make_incident(session, org, vault=vault, status="verified")
    consent_of_the_defender(session, incident)
    first = [
        Contact(organisation_id=org.id, name=name, language=lang, email=f"{name}@ex.example")
        for name, lang in (("ana", "en"), ("bea", "es"), ("chloe", "fr"))
    ]
    first[2].webhook_url = "https://hooks.ex.example/vigil"
    second = Contact(organisation_id=org.id, name="dan", language="en", email="dan@ex.example")
    session.add_all([*first, second])
    session.flush()
    playbook = import_playbook(session, org_id=org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    alert = draft_alert(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=None, playbook_id=playbook.id
    )
    for tier, contacts in ((1, first), (2, [second])):
        session.add_all(
            AlertRecipient(alert_id=alert.id, contact_id=c.id, tier=tier, added_by_hand=True)
            for c in contacts
        )
    session.flush()
    start = utcnow()
    launch_alert(
        session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None, now=start
    )
    sent = session.scalars(select(Delivery.id).where(Delivery.alert_id == alert.id)).all()
    record_sent(session, delivery_ids=sent, now=start, timeline=ALERT_TIMELINE)
    return org, incident, alert, first, second, start


def _closing(session, vault, alert):  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.alert_id == alert.id, Delivery.purpose == "resolution")
        .order_by(Delivery.id)
    ).all()
    return [(d, open_content(vault, d)) for d in rows]


def test_resolving_sends_each_alerted_recipient_one_closing_message_in_their_language(
    session, vault, settings, launched
):
    _org, incident, alert, first, _second, start = launched
    queued = resolve_alert(
        session, vault, settings, alert=alert, reason="done", actor_user_id=None, now=start
    )
    closing = _closing(session, vault, alert)
    assert queued == 4 == len(closing)  # ana, bea, chloe by e-mail and chloe's webhook
    by_contact = {}
    for delivery, content in closing:
        by_contact.setdefault(delivery.contact_id, []).append((delivery, content))
    assert set(by_contact) == {c.id for c in first}  # dan (tier 2) never heard of the case
    ana, bea, chloe = (by_contact[c.id] for c in first)
    ref = f"VIGIL-{incident.id}"
    assert ana[0][1]["text"].startswith(f"Dear ana, case {ref} is closed: thank you.")
    assert bea[0][0].language == "es" and "el caso" in bea[0][1]["text"]
    # The playbook speaks no French: the standard notice, in French, not its English.
    assert {d.channel for d, _c in chloe} == {"email", "webhook"}
    assert all(d.language == "fr" for d, _c in chloe)
    assert "Voici une mise à jour sur le dossier" in chloe[0][1]["text"]
    assert (chloe[0][1]["subject"], bea[0][1]["subject"]) == (
        f"Résolu : Dossier {ref}",
        f"Resuelto: Caso {ref}",
    )
    for _d, content in closing:
        assert "Defender A" not in content["text"] and "Hidden Name" not in content["text"]
        assert content["unsubscribe_url"].startswith(settings.base_url.rstrip("/"))
    # Resolving again (an analyst after the worker, say) sends nothing more.
    assert (
        resolve_alert(
            session, vault, settings, alert=alert, reason="again", actor_user_id=None, now=start
        )
        == 0
    )
    assert len(_closing(session, vault, alert)) == 4


def test_resolving_the_case_sends_the_closing_messages_once_through_the_worker(
    session, vault, settings, launched
):
    org, incident, alert, _first, _second, start = launched
    change_status(
        session, org_id=org.id, incident_id=incident.id, status="resolved", actor_user_id=None
    )
    advance_alerts(session, vault, settings, now=start + timedelta(minutes=1))
    assert alert.status == "resolved"
    assert len(_closing(session, vault, alert)) == 4
    advance_alerts(session, vault, settings, now=start + timedelta(hours=30))
    assert len(_closing(session, vault, alert)) == 4
    assert {d.state for d, _c in _closing(session, vault, alert)} == {"queued"}


def test_unsubscribed_and_unreached_recipients_get_no_closing_message(
    session, vault, settings, launched
):
    _org, _incident, alert, first, _second, start = launched
    first[0].opted_out_at = start
    session.flush()
    resolve_alert(session, vault, settings, alert=alert, reason="x", actor_user_id=None, now=start)
    contacts = {d.contact_id for d, _c in _closing(session, vault, alert)}
    assert contacts == {first[1].id, first[2].id}


def test_a_cancelled_alert_sends_no_closing_message(session, vault, settings, launched):
    from vigil.alerts.service import stop_alert

    _org, _incident, alert, _first, _second, start = launched
    stop_alert(session, alert=alert, status="cancelled", reason="x", actor_user_id=None, now=start)
    resolve_alert(session, vault, settings, alert=alert, reason="x", actor_user_id=None, now=start)
    assert _closing(session, vault, alert) == []


def test_a_playbook_closing_may_not_say_more_than_the_case_reference(session):
    org = make_org(session)
    leaky = PLAYBOOK.replace(
        "case {{ case_reference }} is closed", "case {{ case_reference }} of {{ defender }}"
    )
    with pytest.raises(PlaybookInvalid, match="closing message may use only"):
        import_playbook(session, org_id=org.id, yaml_text=leaky, actor_user_id=None)


def _email(content: dict) -> str:  # type: ignore[type-arg]
    outgoing = Outgoing(
        delivery_id=1,
        channel="email",
        address="ana@ex.example",
        language="en",
        idempotency_key="vigil-test",
        purpose="alert",
        urgency=1,
        content=content,
    )
    data, _names = render_message(
        sender="Vigil <alerts@vigil.example>",
        domain="vigil.example",
        outgoing=outgoing,
        now=utcnow(),
    )
    return data.decode()


def test_alert_email_carries_the_organisations_address_as_reply_to(
    session, vault, settings, launched
):
    org, _incident, alert, _first, _second, start = launched
    before = open_content(
        vault, session.scalars(select(Delivery).where(Delivery.alert_id == alert.id)).first()
    )
    assert not before["reply_to"]
    assert "Reply-To:" not in _email(before)
    set_contact_email(session, slug=org.slug, email="team@red.example")
    resolve_alert(session, vault, settings, alert=alert, reason="x", actor_user_id=None, now=start)
    _delivery, content = _closing(session, vault, alert)[0]
    assert content["reply_to"] == "team@red.example"
    assert "\r\nReply-To: team@red.example\r\n" in _email(content)
    assert "Reply-To:" not in _email({**content, "reply_to": "bad\r\nBcc: x@evil.example"})


def test_the_contact_address_must_be_a_plain_address_and_can_be_removed(session):
    org = make_org(session)
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    assert len(longest) == 254
    assert set_contact_email(session, slug=org.slug, email=longest).contact_email == longest
    for bad in ("x" + longest, "team@red", "Team <team@red.example>", "a@b.example\r\nBcc: c@d.e"):
        with pytest.raises(Invalid):
            set_contact_email(session, slug=org.slug, email=bad)
    assert org.contact_email == longest
    assert set_contact_email(session, slug=org.slug, email=" ").contact_email is None
