"""Forgetting a person (``vigil people forget``): a name and a phone planted through the real
flow — report, messages, incident, casework, an alert launched with queued deliveries, a
recipient's response — are nowhere to be read afterwards: not on any page or API answer, not
in the outbox or what the worker sends, not in any column of any table. The case goes on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import (
    consent_of_the_defender,
    csrf_from,
    location_consent,
    make_org,
    make_staff,
    sign_in,
)
from tests.intake.helpers import gps_jpeg, report_fields
from tests.outbox.delivery_support import SmtpServer, WebhookReceiver, fast
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.message import write_message
from vigil.alerts.models import Alert, AlertEvent
from vigil.alerts.recipient_actions import record_response
from vigil.alerts.service import add_recipient, draft_alert, launch_alert
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.casework.referrals import add_referral, record_answer
from vigil.casework.service import add_note, assess_risk
from vigil.casework.support import add_measure
from vigil.companies.ftm_export import export_registry
from vigil.contacts.rules import ContactInput
from vigil.contacts.service import create_contact
from vigil.core.audit import AuditEvent
from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.defenders.consent import record_consent
from vigil.defenders.models import Defender
from vigil.defenders.service import reveal_name
from vigil.forgetting.service import forget_person
from vigil.incidents.models import Act, Incident
from vigil.intake.models import Report
from vigil.intake.service import add_message
from vigil.intake.triage import reply_to_reporter
from vigil.links.service import issue_link, resolve_link
from vigil.models import metadata
from vigil.outbox.models import Delivery
from vigil.outbox.retry import RetryPolicy
from vigil.outbox.sender import send_due_deliveries
from vigil.outbox.service import open_content, record_failure
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.playbooks.service import import_playbook

NAME = "Zyxwq Plantedname"
ALIAS = "Quiet Heron"  # the name the reporter chose for the defender ("a name we may use")
PHONE = "+57 300 999 1234"
#: What must not be found anywhere, with the obvious variants of each.
PLANTED = (NAME, NAME.lower(), NAME.upper(), "Plantedname", "plantedname", "Zyxwq", "zyxwq")
PLANTED += (PHONE, "573009991234", "300 999 1234", "3009991234", "999 1234")
PLACEHOLDER = "Forgotten: erased together with the person it could name."
WITHHELD = "Withheld: the key protecting this record was destroyed."
UNUSED_HOOK = "http://127.0.0.1:9/hooks/vigil"  # for tests that send nothing

PLAYBOOK = """
code: forget_test
title: {en: Forgetting test}
attack_types: [death_threat]
urgency: 0
guidance: {en: "Ask whether the defender is safe now."}
tiers:
  - label: {en: Operator}
    deadline_hours: 24
    recipients:
      - {role: security_lead, of: operator}
chain:
  - {notify: 1}
  - {wait_hours: 1}
  - {remind: 1}
messages:
  en:
    subject: "Urgent: {{ case_reference }}"
    body: |
      Dear {{ recipient_name }},

      {{ defender }} received a {{ attack_type }}. {{ analyst_note }}

      Acknowledge: {{ acknowledge_url }}
      Unsubscribe: {{ unsubscribe_url }}
"""


def assert_absent(text: str, where: str) -> None:
    for planted in PLANTED:
        assert planted not in text, f"{planted!r} found in {where}"


@dataclass
class Story:
    org_id: int
    defender_id: int
    report_id: int
    incident_id: int
    alert_id: int
    receipt: str
    coordinator: Any


def _file_report(session, client) -> tuple[Report, str]:  # type: ignore[no-untyped-def]
    fields = report_fields(
        client,
        imminent="no",
        chosen_alias=ALIAS,
        defender_name=NAME,
        defender_contact=PHONE,
        narrative=f"{NAME} was threatened after the hearing; call {PHONE}.",
        earlier_threats=f"They wrote {NAME} on the door.",
    )
    photo = [("attachments", ("door.jpg", gps_jpeg(), "image/jpeg"))]
    response = client.post("/report", data=fields, files=photo)
    assert response.status_code == 201, response.text
    match = re.search(r'id="receipt">([\d ]+)<', response.text)
    assert match
    return session.scalars(select(Report)).one(), match.group(1)


def _casework(session, vault, org_id: int, incident_id: int, user_id: int) -> None:  # type: ignore[no-untyped-def]
    ids = {"org_id": org_id, "incident_id": incident_id}
    add_note(session, vault=vault, body=f"Called {NAME} on {PHONE}.", actor_user_id=user_id, **ids)
    assess_risk(
        session,
        vault=vault,
        level="ordinary",
        factors={},
        reasons=f"{NAME} lives alone.",
        review_on=date.today() + timedelta(days=30),
        actor_user_id=user_id,
        **ids,
    )
    referral = add_referral(
        session,
        body_name="Protection unit",
        body_kind="national_protection_mechanism",
        sent_on=date.today(),
        business_days=10,
        actor_user_id=user_id,
        **ids,
    )
    record_answer(
        session,
        vault=vault,
        referral_id=referral.id,
        answer=f"Escort granted to {NAME}.",
        received_on=date.today(),
        actor_user_id=user_id,
        **ids,
    )
    add_measure(
        session,
        vault=vault,
        kind="temporary_relocation",
        notes=f"Moved {PHONE}",
        actor_user_id=user_id,
        **ids,
    )


def _contacts(session, vault, org_id: int, hook_url: str) -> list[int]:  # type: ignore[no-untyped-def]
    data = [
        ContactInput(name="Mail Desk", role="security_lead", email="desk@example.org"),
        ContactInput(name="Hook Desk", role="security_lead", webhook_url=hook_url),
    ]
    return [
        create_contact(session, vault, org_id=org_id, data=item, actor_user_id=None).id
        for item in data
    ]


def _alert(session, vault, settings, story_ids, contact_ids, now) -> Alert:  # type: ignore[no-untyped-def]
    org_id, incident_id, defender_id = story_ids
    consent_of_the_defender(session, session.get(Incident, incident_id))
    location_consent(session, session.get(Incident, incident_id))
    record_consent(
        session,
        given_by="defender",
        org_id=org_id,
        defender_id=defender_id,
        scope="share_with_stakeholders",
        decision="grant",
        method="in_person",
        actor_user_id=None,
    )
    playbook = import_playbook(session, org_id=org_id, yaml_text=PLAYBOOK, actor_user_id=None)
    alert = draft_alert(
        session, org_id=org_id, incident_id=incident_id, actor_user_id=None, playbook_id=playbook.id
    )
    for contact_id in contact_ids:
        add_recipient(
            session, org_id=org_id, alert_id=alert.id, contact_id=contact_id, tier=1,
            actor_user_id=None,
        )  # fmt: skip
    write_message(
        session,
        vault,
        org_id=org_id,
        alert_id=alert.id,
        note=f"Please protect {NAME}, reachable on {PHONE}.",
        share_level="name",
        actor_user_id=None,
    )
    launch_alert(
        session, vault, settings, org_id=org_id, alert_id=alert.id, actor_user_id=None, now=now
    )
    token = issue_link(
        session,
        settings,
        organisation_id=org_id,
        purpose="respond",
        alert_id=alert.id,
        contact_id=contact_ids[1],  # the webhook desk answers; the mail desk gets a reminder
        now=now,
    )
    link = resolve_link(session, settings, token, now=now)
    record_response(
        session, settings, vault, link=link, body=f"We will call {NAME} today.", now=now
    )
    return alert


def _story(session, vault, settings, client, hook_url: str, now) -> Story:  # type: ignore[no-untyped-def]
    org = make_org(session)
    coordinator = make_staff(session, org, role="coordinator")
    session.commit()
    report, receipt = _file_report(session, client)
    add_message(session, vault=vault, report=report, author="reporter", body=f"Mine: {PHONE}")
    reply_to_reporter(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        body=f"We hear you, {NAME}.",
        actor_user_id=coordinator.user.id,
    )
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=InclusionAnswers(True, True, True, ""),
        title="Threat near the mine",
        actor_user_id=coordinator.user.id,
    )
    assert incident is not None
    victim_id = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    _casework(session, vault, org.id, incident.id, coordinator.user.id)
    contact_ids = _contacts(session, vault, org.id, hook_url)
    alert = _alert(session, vault, settings, (org.id, incident.id, victim_id), contact_ids, now)
    session.commit()
    return Story(org.id, victim_id, report.id, incident.id, alert.id, receipt, coordinator)


@pytest.fixture
def receivers():  # type: ignore[no-untyped-def]
    smtp, hook = SmtpServer().start(), WebhookReceiver()
    yield smtp, hook
    smtp.stop()
    hook.stop()


def _staff_pages(story: Story) -> list[str]:
    case, alert = story.incident_id, story.alert_id
    return [
        f"/staff/reports/{story.report_id}",
        "/staff/reports?status=all",
        "/staff/incidents",
        f"/staff/incidents/{case}",
        f"/staff/incidents/{case}/case",
        f"/staff/incidents/{case}/alerts",
        f"/staff/incidents/{case}/leverage",
        f"/staff/alerts/{alert}",
        f"/staff/alerts/{alert}/timeline",
        "/staff/deliveries",
        "/staff/dashboard",
        "/staff/audit",
        f"/api/v1/incidents/{case}",
        "/api/v1/incidents",
        f"/api/v1/incidents/{case}/leverage",
        "/",
        "/api/v1/public/overview",
    ]


def _reporter_page(client, receipt: str) -> str:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/report/status").text)
    page = client.post("/report/status", data={"csrf_token": token, "receipt": receipt})
    assert page.status_code == 200, page.text
    return page.text


def _every_value(session) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    """Every value of every column of every table, as the database holds it."""
    found = []
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            for column, value in zip(table.columns, row, strict=True):
                found.append((f"{table.name}.{column.name}", value))
    return found


def _assert_database_clean(session) -> None:  # type: ignore[no-untyped-def]
    for where, value in _every_value(session):
        if isinstance(value, bytes | memoryview):
            raw = bytes(value)
            for planted in PLANTED:
                assert planted.encode() not in raw, f"{planted!r} in {where}"
                assert planted.encode("utf-16-le") not in raw, f"{planted!r} in {where}"
        elif value is not None:
            assert_absent(
                value if isinstance(value, str) else json.dumps(value, default=str), where
            )


def test_planted_name_and_phone_are_nowhere_after_forgetting(
    session, vault, settings, client, session_factory, receivers
):
    smtp, hook = receivers
    now = utcnow()
    story = _story(session, vault, settings, client, hook.url, now)
    sign_in(client, story.coordinator)
    # The planted values really are there before: each scan below would see them.
    assert NAME in client.get(f"/staff/reports/{story.report_id}").text
    report = session.get(Report, story.report_id)
    file_url = f"/staff/reports/{story.report_id}/attachments/{report.attachments[0].id}"
    assert client.get(file_url).status_code == 200
    assert NAME in client.get(f"/staff/incidents/{story.incident_id}/case").text
    assert NAME in client.get(f"/staff/alerts/{story.alert_id}").text  # the response
    assert PHONE in _reporter_page(client, story.receipt)
    queued = session.scalars(select(Delivery).where(Delivery.alert_id == story.alert_id)).all()
    assert len(queued) == 2 and all(d.state == "queued" for d in queued)
    assert all(NAME in open_content(vault, d)["text"] for d in queued)
    retrying = record_failure(  # one waits to be tried again: it must not go out either
        session,
        delivery_id=queued[1].id,
        now=now,
        error="timed out",
        permanent=False,
        policy=RetryPolicy.from_settings(settings),
        timeline=ALERT_TIMELINE,
    )
    assert retrying.state == "queued" and retrying.next_attempt_at > now
    session.commit()

    result = forget_person(
        session, vault=vault, defender_id=story.defender_id, actor_user_id=story.coordinator.user.id
    )
    session.commit()
    assert (result.incidents, result.reports, result.deliveries_cancelled) == (1, 1, 2)

    # (a) every page and API answer about the case, the report and the alert, as a coordinator
    for path in _staff_pages(story):
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        assert_absent(page.text, path)
    report_page = client.get(f"/staff/reports/{story.report_id}").text
    assert WITHHELD in report_page and PLACEHOLDER in report_page  # answers, then messages
    assert client.get(file_url).status_code == 404  # the file's content is gone
    case_page = client.get(f"/staff/incidents/{story.incident_id}/case").text
    assert case_page.count(PLACEHOLDER) >= 4  # note, risk reasons, referral answer, measure
    assert PLACEHOLDER in client.get(f"/staff/alerts/{story.alert_id}").text  # the response
    assert client.get(f"/api/v1/incidents/{story.incident_id}").json()["summary"] == "withheld"
    reporter_page = _reporter_page(client, story.receipt)
    assert_absent(reporter_page, "the reporter's page")
    assert PLACEHOLDER in reporter_page

    # (b) the outboxes: nothing queued can be opened or sent; the timeline says why
    session.expire_all()
    deliveries = session.scalars(select(Delivery).where(Delivery.alert_id == story.alert_id)).all()
    assert [(d.state, d.last_error) for d in deliveries] == [("cancelled", "person forgotten")] * 2
    for delivery in deliveries:
        with pytest.raises(Withheld):
            open_content(Vault(session=session, ring=vault.ring), delivery)
    events = session.scalars(
        select(AlertEvent.detail).where(
            AlertEvent.alert_id == story.alert_id, AlertEvent.kind == "cancelled"
        )
    ).all()
    assert events == ["2 queued deliveries cancelled: person forgotten"]
    emails = session.scalars(select(OutboundEmail)).all()
    assert emails, "the response should have told the case team"
    for email in emails:
        assert_absent(f"{email.subject}\n{email.body}", "a staff e-mail")

    # (c) the worker: the alert of a forgotten person's case stops (alerts/consent_stop.py),
    # so its reminder is never sent, and nothing that leaves names anybody
    later = now + timedelta(hours=2)
    advance_alerts(session, vault, settings, now=later)
    session.commit()
    worker_settings = fast(settings, smtp_url=smtp.url)
    send_due_deliveries(session_factory, worker_settings, now=later, timeline=ALERT_TIMELINE)
    assert smtp.sink.messages == [] and hook.received == []
    assert session.get(Alert, story.alert_id).status == "suspended"
    for message in smtp.sink.messages:
        assert_absent(message.data.decode(errors="replace"), "an e-mail sent")
        assert ALIAS in message.message.get_body(("plain",)).get_content()
    for received in hook.received:
        assert_absent(received.body.decode(), "a webhook sent")

    # (d) the registry export, and the database itself: every column of every table
    assert_absent(json.dumps(list(export_registry(session)), default=str), "the FtM export")
    session.expire_all()
    _assert_database_clean(session)


def test_forgetting_is_idempotent_audited_and_keeps_later_writing(session, vault, settings, client):
    story = _story(session, vault, settings, client, UNUSED_HOOK, utcnow())
    forget_person(session, vault=vault, defender_id=story.defender_id)
    # Written after the forgetting, under the case's and the report's fresh keys.
    add_note(
        session,
        vault=vault,
        org_id=story.org_id,
        incident_id=story.incident_id,
        body="Still monitoring.",
        actor_user_id=story.coordinator.user.id,
    )
    report = session.get(Report, story.report_id)
    add_message(session, vault=vault, report=report, author="reporter", body="I am safe now.")
    again = forget_person(session, vault=vault, defender_id=story.defender_id)
    session.commit()
    assert (again.incidents, again.reports, again.deliveries_cancelled) == (0, 0, 0)

    defender = session.get(Defender, story.defender_id)
    assert defender.name_sealed is None and defender.name_index is None
    assert reveal_name(vault, defender) == "withheld"
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "defender.forgotten")
    ).all()
    assert [(e.object_id, json.loads(e.detail)) for e in events] == [
        (str(story.defender_id), {"incidents": 1, "reports": 1, "deliveries_cancelled": 2})
    ]
    sign_in(client, story.coordinator)
    assert "Still monitoring." in client.get(f"/staff/incidents/{story.incident_id}/case").text
    assert "I am safe now." in client.get(f"/staff/reports/{story.report_id}").text


def test_a_person_forgotten_by_an_older_vigil_is_finished_off(session, vault, settings, client):
    """An older ``vigil people forget`` erased only the defender's own record: running it
    again now shreds the report and the case it had left readable."""
    story = _story(session, vault, settings, client, UNUSED_HOOK, utcnow())
    defender = session.get(Defender, story.defender_id)
    vault.destroy(defender.data_key_id)
    defender.forgotten_at = utcnow()  # all the older code did
    result = forget_person(session, vault=vault, defender_id=story.defender_id)
    assert (result.incidents, result.reports, result.deliveries_cancelled) == (1, 1, 2)
    session.commit()
    sign_in(client, story.coordinator)
    assert_absent(client.get(f"/staff/reports/{story.report_id}").text, "the report page")
