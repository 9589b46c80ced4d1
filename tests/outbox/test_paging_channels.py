"""Paging staff by SMS, voice and Signal: a page reaches a real local fake of Twilio's API
(through Twilio's own client) and of signal-cli-rest-api with the right number and a short
text; failures are retried by the outbox rules; an unconfigured channel queues nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from tests.factories import make_incident, make_org, make_staff
from tests.outbox.paging_support import FROM, SID, SIGNAL_FROM, TOKEN, FakeProvider
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.checkins.service import record_check_in, start_schedule
from vigil.core.db import utcnow
from vigil.outbox.health import staff_page_summary
from vigil.outbox.page_sender import NO_NUMBER, send_due_pages
from vigil.outbox.paging import notify_urgent_report
from vigil.outbox.paging_choices import PagingForm, set_paging_choices
from vigil.outbox.sender import send_due
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.outbox.staff_page_models import OutboundPage
from vigil.outbox.staff_paging import page_users

PHONE = "+525512345678"
SIGNAL = "+573001234567"
BODY = (
    'At a safety check-in the answer was "I need help now".\n'
    "Open case #7 now: https://vigil.test/staff/incidents/7/alerts#check-ins\n\n"
    "This message contains nothing else about the case."
)


@pytest.fixture
def twilio():  # type: ignore[no-untyped-def]
    server = FakeProvider()
    yield server
    server.stop()


@pytest.fixture
def signal_api():  # type: ignore[no-untyped-def]
    server = FakeProvider()
    yield server
    server.stop()


def _paging(settings, twilio=None, signal_api=None):  # type: ignore[no-untyped-def]
    values = {
        "delivery_backoff_seconds": 0.05,
        "delivery_claim_seconds": 5.0,
        "paging_timeout_seconds": 2.0,
    }
    if twilio is not None:
        values |= {
            "sms_url": twilio.url,
            "sms_account_sid": SID,
            "sms_auth_token": SecretStr(TOKEN),
            "sms_from": FROM,
        }
    if signal_api is not None:
        values |= {"signal_url": signal_api.url, "signal_number": SIGNAL_FROM}
    return settings.model_copy(update=values)


def _responder(session, vault, org, **channels):  # type: ignore[no-untyped-def]
    account = make_staff(session, org)
    form = PagingForm(phone=PHONE, signal_number=SIGNAL, **channels)
    set_paging_choices(session, vault, org_id=org.id, user_id=account.user.id, form=form)
    return account


def _page(session, org, account, settings):  # type: ignore[no-untyped-def]
    page_users(
        session,
        org_id=org.id,
        user_ids=[account.user.id],
        subject="[Vigil] URGENT: help requested at a safety check-in (case #7)",
        body=BODY,
        settings=settings,
    )
    session.commit()


def _pages(session, org):  # type: ignore[no-untyped-def]
    session.expire_all()
    query = select(OutboundPage).where(OutboundPage.organisation_id == org.id)
    return session.scalars(query.order_by(OutboundPage.id)).all()


def test_an_sms_page_reaches_twilio_with_the_number_and_a_short_text(
    session, session_factory, settings, vault, twilio
):
    org = make_org(session)
    account = _responder(session, vault, org, sms=True)
    paging = _paging(settings, twilio=twilio)
    _page(session, org, account, paging)
    assert send_due_pages(session_factory, paging) == 1
    [request] = twilio.received
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.form == {
        "To": PHONE,
        "From": FROM,
        "Body": "[Vigil] URGENT: help requested at a safety check-in (case #7) "
        "https://vigil.test/staff/incidents/7/alerts#check-ins",
    }
    auth = base64.b64decode(request.headers["Authorization"].split()[1]).decode()
    assert auth == f"{SID}:{TOKEN}"
    [page] = _pages(session, org)
    assert page.sent_at is not None and page.attempts == 1 and page.last_error is None
    # The e-mail went into its own outbox, with the whole body.
    email = session.scalars(select(OutboundEmail).where(OutboundEmail.organisation_id == org.id))
    assert [e.body for e in email] == [BODY]


def test_a_voice_page_calls_the_number_and_reads_the_subject(
    session, session_factory, settings, vault, twilio
):
    org = make_org(session)
    account = _responder(session, vault, org, voice=True)
    paging = _paging(settings, twilio=twilio)
    _page(session, org, account, paging)
    assert send_due_pages(session_factory, paging) == 1
    [request] = twilio.received
    assert request.path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert request.form["To"] == PHONE and request.form["From"] == FROM
    assert request.form["Twiml"].startswith("<?xml")
    assert '<Say loop="2">[Vigil] URGENT: help requested' in request.form["Twiml"]


def test_a_signal_page_reaches_signal_cli_rest_api(
    session, session_factory, settings, vault, signal_api
):
    org = make_org(session)
    account = _responder(session, vault, org, signal=True, sms=True)
    paging = _paging(settings, signal_api=signal_api)  # SMS not configured: Signal only
    _page(session, org, account, paging)
    assert [p.channel for p in _pages(session, org)] == ["signal"]
    assert send_due_pages(session_factory, paging) == 1
    [request] = signal_api.received
    assert request.path == "/v2/send"
    assert request.json == {
        "message": "[Vigil] URGENT: help requested at a safety check-in (case #7) "
        "https://vigil.test/staff/incidents/7/alerts#check-ins",
        "number": SIGNAL_FROM,
        "recipients": [SIGNAL],
    }


@pytest.mark.parametrize("provider", ["twilio", "signal"])
def test_a_failed_page_is_retried_by_the_outbox_rules_then_sent(
    session, session_factory, settings, vault, twilio, signal_api, provider
):
    org = make_org(session)
    fake = twilio if provider == "twilio" else signal_api
    account = _responder(session, vault, org, sms=provider == "twilio", signal=provider == "signal")
    paging = _paging(settings, twilio=twilio, signal_api=signal_api)
    _page(session, org, account, paging)
    fake.status = 503
    now = utcnow()
    assert send_due_pages(session_factory, paging, now=now) == 1
    [page] = _pages(session, org)
    assert page.attempts == 1 and page.sent_at is None and page.failed_at is None
    assert "503" in (page.last_error or "") and PHONE not in (page.last_error or "")
    assert now < page.next_attempt_at <= now + timedelta(seconds=0.05)
    # Not due yet: nothing claimed.
    assert send_due_pages(session_factory, paging, now=now) == 0
    fake.status = 201
    later = now + timedelta(seconds=1)
    assert send_due_pages(session_factory, paging, now=later) == 1
    [page] = _pages(session, org)
    assert page.sent_at == later and page.attempts == 2
    assert len(fake.received) == 2


def test_a_refused_number_is_given_up_and_the_last_attempt_fails(
    session, session_factory, settings, vault, twilio
):
    org = make_org(session)
    account = _responder(session, vault, org, sms=True)
    paging = _paging(settings, twilio=twilio)
    _page(session, org, account, paging)
    twilio.status = 400
    assert send_due_pages(session_factory, paging) == 1
    [page] = _pages(session, org)
    assert page.failed_at is not None and page.attempts == 1
    assert page.last_error == "Twilio HTTP 400 (error 21211)"
    health = staff_page_summary(session, now=utcnow())
    assert (health["status"], health["failed_last_24h"], health["queued"]) == ("degraded", 1, 0)
    # The attempts limit, at its edge: the last allowed attempt fails for good.
    _page(session, org, account, paging)
    twilio.status = 500
    limited = paging.model_copy(update={"delivery_max_attempts": 2})
    now = utcnow()
    send_due_pages(session_factory, limited, now=now)
    second = _pages(session, org)[1]
    assert second.failed_at is None and second.attempts == 1
    send_due_pages(session_factory, limited, now=now + timedelta(seconds=1))
    second = _pages(session, org)[1]
    assert second.failed_at is not None and second.attempts == 2


def test_unconfigured_channels_queue_nothing_and_never_fail(
    session, session_factory, settings, vault
):
    org = make_org(session)
    account = _responder(session, vault, org, sms=True, voice=True, signal=True)
    _page(session, org, account, settings)  # nothing configured
    page_users(session, org_id=org.id, user_ids=[account.user.id], subject="s", body=BODY)
    assert _pages(session, org) == []
    assert send_due_pages(session_factory, settings) == 0
    emails = session.scalars(select(OutboundEmail).where(OutboundEmail.organisation_id == org.id))
    assert len(emails.all()) == 2  # e-mail always pages


def test_a_channel_unconfigured_after_queueing_waits_without_using_an_attempt(
    session, session_factory, settings, vault, twilio
):
    org = make_org(session)
    account = _responder(session, vault, org, sms=True)
    _page(session, org, account, _paging(settings, twilio=twilio))
    assert send_due_pages(session_factory, _paging(settings)) == 1
    [page] = _pages(session, org)
    assert page.attempts == 0 and page.failed_at is None and page.sent_at is None
    assert page.last_error == "SMS is not configured"
    assert twilio.received == []


def test_only_chosen_channels_page_and_a_removed_number_is_given_up(
    session, session_factory, settings, vault, twilio, signal_api
):
    org = make_org(session)
    email_only = make_staff(session, org)
    account = _responder(session, vault, org, sms=True, signal=True)
    paging = _paging(settings, twilio=twilio, signal_api=signal_api)
    page_users(
        session,
        org_id=org.id,
        user_ids=[email_only.user.id, account.user.id],
        subject="[Vigil] x",
        body=BODY,
        settings=paging,
    )
    assert [(p.user_id, p.channel) for p in _pages(session, org)] == [
        (account.user.id, "sms"),
        (account.user.id, "signal"),
    ]
    set_paging_choices(
        session, vault, org_id=org.id, user_id=account.user.id, form=PagingForm(phone=PHONE)
    )
    session.commit()
    assert send_due_pages(session_factory, paging) == 2
    assert all(p.failed_at and p.last_error == NO_NUMBER for p in _pages(session, org))
    assert twilio.received == [] and signal_api.received == []


def test_an_urgent_report_pages_the_responders_on_their_channels(session, settings, vault, twilio):
    org = make_org(session)
    account = _responder(session, vault, org, sms=True)
    paged = notify_urgent_report(
        session,
        org_id=org.id,
        report_id=12,
        received_at="2026-12-07 10:00",
        staff_url="https://vigil.test",
        settings=_paging(settings, twilio=twilio),
    )
    assert paged == 1
    [page] = _pages(session, org)
    assert page.user_id == account.user.id and page.channel == "sms"
    assert page.text == "[Vigil] URGENT report #12 received https://vigil.test/staff/reports/12"


def test_a_help_call_pages_the_case_team_through_the_worker_pass(
    session, session_factory, settings, vault, twilio
):
    org = make_org(session)
    assignee = _responder(session, vault, org, sms=True)
    incident = make_incident(session, org, vault=vault)
    incident.assignee_id = assignee.user.id
    paging = _paging(settings, twilio=twilio)
    schedule, _token = start_schedule(
        session,
        paging,
        org_id=org.id,
        incident_id=incident.id,
        every_hours=24,
        grace_minutes=60,
        actor_user_id=assignee.user.id,
        now=utcnow(),
    )
    record_check_in(session, paging, schedule=schedule, method="link", safe=False, now=utcnow())
    session.commit()
    assert send_due(session_factory, paging, timeline=ALERT_TIMELINE) >= 1
    [request] = twilio.received
    link = f"https://vigil.test/staff/incidents/{incident.id}/alerts#check-ins"
    assert request.form["To"] == PHONE
    assert request.form["Body"] == (
        f"[Vigil] URGENT: help requested at a safety check-in (case #{incident.id}) {link}"
    )
    assert "Defender" not in request.form["Body"] and incident.title not in request.form["Body"]


def test_twilio_region_settings_of_the_environment_do_not_escape_the_configured_url(
    session, session_factory, settings, vault, twilio, monkeypatch
):
    monkeypatch.setenv("TWILIO_REGION", "au1")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    org = make_org(session)
    account = _responder(session, vault, org, sms=True)
    paging = _paging(settings, twilio=twilio)
    _page(session, org, account, paging)
    assert send_due_pages(session_factory, paging) == 1
    assert [r.path for r in twilio.received] == [f"/2010-04-01/Accounts/{SID}/Messages.json"]
