"""Acknowledging is not responding, through the worker's path (``advance_alerts``) on both
databases: a tier whose recipients acknowledge but do not respond is passed over to the next
tier at its deadline (not a second before), its recipients are marked "no response by the
deadline", the escalation names who was informed on which date; a substantive response from
anyone in the tier stops the escalation, a refusal or a question does not; and the explicit
``escalate_if_unacknowledged`` rule of a playbook that chooses it is kept
(tests/alerts/test_alert_flow.py)."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.alerts.test_alert_flow import PLAYBOOK as UNACKNOWLEDGED_PLAYBOOK
from tests.factories import make_staff, sign_in
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.models import AlertEvent, AlertRecipient
from vigil.alerts.recipient_actions import acknowledge, record_response
from vigil.alerts.service import draft_alert, launch_alert
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.demo.alerts import load_alert_demo
from vigil.inbox.models import InboxItem
from vigil.incidents.service import find_incident_by_ref
from vigil.links.service import issue_link, resolve_link
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.playbooks.service import import_playbook

#: The same playbook with the default rule: tier 1 has 24 hours to respond.
PLAYBOOK = UNACKNOWLEDGED_PLAYBOOK.replace(
    "escalate_if_unacknowledged", "escalate_if_no_response"
).replace("code: test_threat", "code: test_no_response")
DEADLINE = timedelta(hours=24)


#: Tier 2 told at once, alongside tier 1: at tier 1's deadline there is nobody new to alert.
BOTH_AT_ONCE = (
    PLAYBOOK[: PLAYBOOK.index("chain:")]
    + """chain:
  - {notify: 1}
  - {notify: 2}
  - {wait_hours: 24}
  - {escalate_if_no_response: {from: 1, to: 2}}
  - {notify: 3}
"""
    + PLAYBOOK[PLAYBOOK.index("messages:") :]
)


def _launch(session, settings, vault, yaml_text):  # type: ignore[no-untyped-def]
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    playbook = import_playbook(session, org_id=org.id, yaml_text=yaml_text, actor_user_id=None)
    alert = draft_alert(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=None, playbook_id=playbook.id
    )
    start = utcnow().replace(microsecond=0)
    launch_alert(
        session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None, now=start
    )
    return alert, start


@pytest.fixture
def launched(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    return _launch(session, settings, vault, PLAYBOOK)


def _inbox(session, alert) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(InboxItem.kind).where(
                InboxItem.object_type == "alert", InboxItem.object_id == alert.id
            )
        )
    )


def _tier_one(session, alert) -> list[AlertRecipient]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AlertRecipient)
            .where(AlertRecipient.alert_id == alert.id, AlertRecipient.tier == 1)
            .order_by(AlertRecipient.id)
        )
    )


def _link(session, settings, alert, recipient, purpose, now):  # type: ignore[no-untyped-def]
    token = issue_link(
        session,
        settings,
        organisation_id=alert.organisation_id,
        purpose=purpose,
        alert_id=alert.id,
        contact_id=recipient.contact_id,
        now=now,
    )
    return resolve_link(session, settings, token, now=now)


def _deliveries(session, alert, **where):  # type: ignore[no-untyped-def]
    query = select(Delivery).where(Delivery.alert_id == alert.id).order_by(Delivery.id)
    for key, value in where.items():
        query = query.where(getattr(Delivery, key) == value)
    return list(session.scalars(query))


def _events(session, alert, kind):  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AlertEvent)
            .where(AlertEvent.alert_id == alert.id, AlertEvent.kind == kind)
            .order_by(AlertEvent.id)
        )
    )


def test_acknowledged_without_a_response_escalates_at_the_deadline_not_a_second_before(
    session, vault, settings, launched
):
    alert, start = launched
    operator, parent = _tier_one(session, alert)
    assert operator.notified_at == start and parent.notified_at == start
    link = _link(session, settings, alert, operator, "acknowledge", start + timedelta(hours=1))
    acknowledge(session, link=link, now=start + timedelta(hours=1))

    advance_alerts(session, vault, settings, now=start + timedelta(hours=8))
    reminders = _deliveries(session, alert, purpose="reminder")
    assert {d.contact_id for d in reminders} == {parent.contact_id}  # not the one who acknowledged

    advance_alerts(session, vault, settings, now=start + DEADLINE - timedelta(seconds=1))
    assert _deliveries(session, alert, tier=2) == []
    assert operator.no_response_at is None

    at = start + DEADLINE
    advance_alerts(session, vault, settings, now=at)
    escalated = _deliveries(session, alert, purpose="escalation")
    assert escalated and {d.tier for d in escalated} == {2}
    assert operator.no_response_at == at and parent.no_response_at == at
    marked = _events(session, alert, "no_response")
    assert {e.contact_id for e in marked} == {operator.contact_id, parent.contact_id}
    (event,) = _events(session, alert, "escalated")
    assert event.detail.startswith("tier 1 gave no substantive response by its deadline")
    # The escalation says who was informed, on which day, and has not responded.
    english = next(d for d in escalated if d.language == "en")
    text = json.loads(vault.open(english.data_key_id, english.content_sealed))["text"]
    assert "has received no substantive response" in text
    for contact in session.scalars(
        select(Contact).where(Contact.id.in_([operator.contact_id, parent.contact_id]))
    ):
        assert contact.organisation_name in text and contact.name not in text
    assert str(start.day) in text
    assert _inbox(session, alert).count("tier_escalated") == 1  # the case team is told


def test_a_substantive_response_from_one_recipient_stops_the_escalation(
    session, vault, settings, launched
):
    alert, start = launched
    operator, parent = _tier_one(session, alert)
    now = start + timedelta(hours=2)
    link = _link(session, settings, alert, parent, "respond", now)
    record_response(session, settings, vault, link=link, body="We have called the mayor.", now=now)
    assert parent.response == "substantive" and parent.responded_at == now

    advance_alerts(session, vault, settings, now=start + timedelta(hours=8))
    assert {d.contact_id for d in _deliveries(session, alert, purpose="reminder")} == {
        operator.contact_id
    }
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    assert _deliveries(session, alert, tier=2) == []
    assert parent.no_response_at is None and operator.no_response_at == start + DEADLINE
    skipped = [e.detail for e in _events(session, alert, "skipped")]
    assert "tier 1 responded: no escalation to tier 2" in skipped
    assert not {"tier_escalated", "tier_silent"} & set(_inbox(session, alert))


def test_a_silent_tier_with_nobody_new_to_alert_is_reported_to_the_team(
    session, vault, settings, demo_data
):
    alert, start = _launch(session, settings, vault, BOTH_AT_ONCE)
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    (silent,) = _events(session, alert, "tier_silent")
    assert silent.tier == 1
    assert _deliveries(session, alert, purpose="escalation") == []
    assert _inbox(session, alert).count("tier_silent") == 1


@pytest.mark.parametrize("declined", [True, False], ids=["declined", "info-requested"])
def test_declining_or_asking_for_information_is_not_a_response(
    session, vault, settings, launched, declined
):
    alert, start = launched
    operator, parent = _tier_one(session, alert)
    now = start + timedelta(hours=2)
    purpose = "respond" if declined else "request_info"
    for recipient in (operator, parent):
        link = _link(session, settings, alert, recipient, purpose, now)
        record_response(
            session, settings, vault, link=link, body="Not us.", now=now, declined=declined
        )
    assert {operator.response, parent.response} == {"declined" if declined else "info_requested"}
    advance_alerts(session, vault, settings, now=start + timedelta(hours=8))
    assert _deliveries(session, alert, purpose="reminder") == []  # they answered
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    assert {d.tier for d in _deliveries(session, alert, purpose="escalation")} == {2}


def test_a_later_refusal_does_not_undo_a_substantive_response(session, vault, settings, launched):
    alert, start = launched
    _operator, parent = _tier_one(session, alert)
    for hours, declined in ((1, False), (2, True)):
        now = start + timedelta(hours=hours)
        link = _link(session, settings, alert, parent, "respond", now)
        record_response(
            session, settings, vault, link=link, body="Answer.", now=now, declined=declined
        )
    assert parent.response == "substantive" and parent.responded_at == start + timedelta(hours=1)


def test_the_alert_page_shows_where_each_recipient_stands(
    session, vault, settings, client, launched
):
    alert, start = launched
    operator, _parent = _tier_one(session, alert)
    now = start + timedelta(hours=1)
    acknowledge(
        session, link=_link(session, settings, alert, operator, "acknowledge", now), now=now
    )
    analyst = make_staff(session, session.get(Organisation, alert.organisation_id), "analyst")
    sign_in(client, analyst)
    page = html.unescape(client.get(f"/staff/alerts/{alert.id}").text)
    tier_one = page[page.index('id="tier-1"') : page.index('id="tier-2"')]
    assert "Acknowledged, no response yet" in tier_one and "Informed, no answer yet" in tier_one

    advance_alerts(session, vault, settings, now=start + timedelta(hours=8))
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    page = html.unescape(client.get(f"/staff/alerts/{alert.id}").text)
    tier_one = page[page.index('id="tier-1"') : page.index('id="tier-2"')]
    assert tier_one.count("No response by the deadline") == 2
    assert "Acknowledged, no response yet" not in tier_one
    timeline = page[page.index('id="events"') :]
    assert "Escalated" in timeline and "No response by the deadline" in timeline
