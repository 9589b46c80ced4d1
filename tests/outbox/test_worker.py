"""Urgent reports notify the organisation's responders through the worker and a real SMTP
server (aiosmtpd on loopback); failures are recorded and retried, never dropped."""

from __future__ import annotations

import email.policy
import socket
from email import message_from_bytes
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import select

from tests.factories import make_org, make_staff
from tests.intake.helpers import report_fields
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.core.db import utcnow
from vigil.outbox.sender import send_due
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.outbox.staff_sender import send_due_staff_emails


class Sink:
    def __init__(self) -> None:
        self.messages: list = []  # type: ignore[type-arg]

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(
            (envelope, message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp_sink():  # type: ignore[no-untyped-def]
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, sink
    controller.stop()


def test_urgent_report_emails_responders_without_its_content(
    session, session_factory, client, settings, smtp_sink
):
    port, sink = smtp_sink
    org = make_org(session)
    analyst = make_staff(session, org, role="analyst")
    coordinator = make_staff(session, org, role="coordinator")
    make_staff(session, org, role="auditor")
    session.commit()
    assert client.post("/report", data=report_fields(client, imminent="yes")).status_code == 201
    assert client.post("/report", data=report_fields(client, imminent="")).status_code == 201

    queued = session.scalars(select(OutboundEmail)).all()
    assert sorted(e.to_address for e in queued) == sorted(
        [analyst.user.email, coordinator.user.email]
    )

    smtp_settings = settings.model_copy(update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}")})
    # the worker's one outbox pass
    assert send_due(session_factory, smtp_settings, timeline=ALERT_TIMELINE) == 2
    assert sorted(env.rcpt_tos[0] for env, _msg in sink.messages) == sorted(
        [analyst.user.email, coordinator.user.email]
    )
    _envelope, message = sink.messages[0]
    assert message["Subject"].startswith("[Vigil] URGENT report #")
    # Staff mail sorts by its Date header in every mail client (and some refuse mail without).
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "/staff/reports/" in body
    for secret in ("Quetzali", "4242", "handwritten", "Vereda"):
        assert secret not in body
    session.expire_all()
    assert all(e.sent_at is not None for e in session.scalars(select(OutboundEmail)))
    assert send_due_staff_emails(session_factory, smtp_settings) == 0


def test_failed_delivery_is_recorded_and_retried_later(session, session_factory, settings):
    from vigil.outbox.staff_email import queue_email

    queue_email(session, to_address="a@b.org", subject="s", body="b", organisation_id=None)
    session.commit()
    broken = settings.model_copy(update={"smtp_url": SecretStr("smtp://127.0.0.1:1")})
    now = utcnow()
    assert send_due_staff_emails(session_factory, broken, now=now) == 1
    session.expire_all()
    stored = session.scalars(select(OutboundEmail)).one()
    assert stored.sent_at is None and stored.attempts == 1 and stored.last_error
    assert stored.next_attempt_at > now
    assert send_due_staff_emails(session_factory, broken, now=now) == 0  # not due again yet


def test_retention_runs_once_a_day_whatever_the_number_of_workers(session_factory, settings):
    from datetime import timedelta

    from vigil.worker import run_retention_if_due

    now = utcnow()
    assert run_retention_if_due(session_factory, settings, now) is True
    assert run_retention_if_due(session_factory, settings, now + timedelta(hours=1)) is False
    assert run_retention_if_due(session_factory, settings, now + timedelta(days=1, seconds=1))


def test_only_responders_on_duty_are_told_when_someone_is(session, client):
    from tests.factories import csrf_from, sign_in

    org = make_org(session)
    on_duty = make_staff(session, org, role="analyst")
    off_duty = make_staff(session, org, role="analyst")
    session.commit()
    sign_in(client, on_duty)
    token = csrf_from(client.get("/staff/reports").text)
    response = client.post(
        "/staff/duty", data={"csrf_token": token, "on_duty": "yes", "next": "/staff/reports"}
    )
    assert response.status_code == 303
    assert "On duty: stop" in client.get("/staff/reports").text
    assert client.post("/report", data=report_fields(client, imminent="yes")).status_code == 201
    queued = [e.to_address for e in session.scalars(select(OutboundEmail))]
    assert queued == [on_duty.user.email]
    assert off_duty.user.email not in queued
