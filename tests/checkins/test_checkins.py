"""Safety check-ins: schedules, check-ins by link, receipt and phone, and the urgent alert on a
missed check-in or a call for help (raised once, however often the job runs)."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.alerts.recipient_support import audit_rows
from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from tests.surfaces.link.test_pages import assert_self_contained
from vigil.accounts.models import Membership
from vigil.app import create_app
from vigil.casework.models import CaseTask
from vigil.checkins.models import CheckIn, CheckInSchedule
from vigil.checkins.panel import check_in_panel
from vigil.checkins.service import (
    raise_missed_check_ins,
    record_check_in,
    start_schedule,
    stop_schedule,
)
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.incidents.models import Act
from vigil.intake.models import Report
from vigil.intake.receipts import new_receipt, receipt_digest
from vigil.links.service import resolve_link
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.surfaces.gate import Staff
from vigil.web.templating import templates
from vigil.worker import raise_missed_check_ins_now


def _team(session, vault):  # type: ignore[no-untyped-def]
    """A case assigned to one analyst, a second analyst on duty, an auditor."""
    org = make_org(session)
    assignee, on_duty = make_staff(session, org), make_staff(session, org)
    auditor = make_staff(session, org, role="auditor")
    session.scalar(select(Membership).where(Membership.user_id == on_duty.user.id)).on_duty = True
    incident = make_incident(session, org, vault=vault)
    incident.assignee_id = assignee.user.id
    session.flush()
    return org, incident, assignee, on_duty, auditor


def _start(session, settings, org, incident, analyst, **kwargs):  # type: ignore[no-untyped-def]
    return start_schedule(
        session,
        settings,
        org_id=org.id,
        incident_id=incident.id,
        every_hours=kwargs.pop("every_hours", 24),
        grace_minutes=kwargs.pop("grace_minutes", 60),
        actor_user_id=analyst.user.id,
        now=kwargs.pop("now", utcnow()),
        **kwargs,
    )


def _emails(session) -> list[OutboundEmail]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def _tasks(session, incident_id: int) -> list[CaseTask]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(CaseTask).where(CaseTask.incident_id == incident_id)))


def test_a_schedule_is_checked_and_replaced(session, vault, settings):
    org, incident, analyst, _duty, _auditor = _team(session, vault)
    for hours in (0, 0.5, 169, float("nan")):
        with pytest.raises(Invalid):
            _start(session, settings, org, incident, analyst, every_hours=hours)
    with pytest.raises(Invalid):
        _start(session, settings, org, incident, analyst, grace_minutes=-1)
    with pytest.raises(NotFound):
        _start(session, settings, make_org(session), incident, analyst)
    with pytest.raises(NotFound):  # a defender who is not a victim in this case
        _start(session, settings, org, incident, analyst, defender_id=2_000_000)

    now = utcnow()
    first, first_token = _start(session, settings, org, incident, analyst, now=now)
    assert first.next_due_at == now + timedelta(hours=24) and first.active
    assert resolve_link(session, settings, first_token, now=now).check_in_schedule_id == first.id
    second, second_token = _start(session, settings, org, incident, analyst, every_hours=12)
    session.refresh(first)
    assert not first.active and first.stopped_at is not None and second.active
    with pytest.raises(NotFound):
        resolve_link(session, settings, first_token, now=utcnow())

    victim_id = session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))
    third, _ = _start(session, settings, org, incident, analyst, defender_id=victim_id)
    assert second.active and third.active  # one per case and defender
    started = [json.loads(row.detail) for row in audit_rows(session, "checkin.started")]
    assert started[1]["replaced"] == [first.id] and started[2]["replaced"] == []

    stop_schedule(
        session,
        org_id=org.id,
        incident_id=incident.id,
        schedule_id=second.id,
        actor_user_id=analyst.user.id,
        now=utcnow(),
    )
    assert not second.active
    with pytest.raises(NotFound):
        resolve_link(session, settings, second_token, now=utcnow())
    with pytest.raises(Conflict):
        record_check_in(session, settings, schedule=second, method="link", safe=True, now=utcnow())


def test_a_missed_check_in_raises_one_task_and_one_email_each_even_when_run_twice(
    session, vault, settings
):
    org, incident, assignee, on_duty, _auditor = _team(session, vault)
    now = utcnow()
    schedule, _ = _start(session, settings, org, incident, assignee, now=now, grace_minutes=30)
    due = schedule.next_due_at

    assert raise_missed_check_ins(session, settings, now=due + timedelta(minutes=29)) == 0
    assert _tasks(session, incident.id) == [] and _emails(session) == []

    late = due + timedelta(minutes=31)
    assert raise_missed_check_ins(session, settings, now=late) == 1
    assert raise_missed_check_ins(session, settings, now=late + timedelta(minutes=1)) == 0
    assert raise_missed_check_ins(session, settings, now=late + timedelta(days=2)) == 0
    tasks = _tasks(session, incident.id)
    assert len(tasks) == 1
    assert tasks[0].origin == "missed_check_in" and tasks[0].assignee_id == assignee.user.id
    assert tasks[0].due_on == late.date()
    emails = _emails(session)
    assert sorted(e.to_address for e in emails) == sorted([assignee.user.email, on_duty.user.email])
    for email in emails:
        assert "URGENT" in email.subject and f"case #{incident.id}" in email.body
        assert f"/staff/incidents/{incident.id}/alerts" in email.body
        assert "Defender A" not in email.body and "Hidden Name" not in email.body
    assert schedule.missed_since == late
    assert len(audit_rows(session, "checkin.missed")) == 1

    panel = check_in_panel(session, org_id=org.id, incident_id=incident.id, now=late)
    assert panel.schedules[0].missed and panel.schedules[0].overdue

    # Checking in clears the miss; the next miss is raised again, once.
    back = late + timedelta(hours=1)
    record_check_in(session, settings, schedule=schedule, method="analyst", safe=True, now=back)
    assert schedule.missed_since is None and schedule.next_due_at == back + timedelta(hours=24)
    next_late = schedule.next_due_at + timedelta(minutes=31)
    assert raise_missed_check_ins(session, settings, now=next_late) == 1
    assert len(_tasks(session, incident.id)) == 2


def test_nobody_assigned_nor_on_duty_every_responder_is_told(session, vault, settings):
    org = make_org(session)
    first, second = make_staff(session, org), make_staff(session, org, role="coordinator")
    make_staff(session, org, role="auditor")
    incident = make_incident(session, org, vault=vault)
    schedule, _ = _start(session, settings, org, incident, first, grace_minutes=0)
    raise_missed_check_ins(session, settings, now=schedule.next_due_at + timedelta(seconds=1))
    assert sorted(e.to_address for e in _emails(session)) == sorted(
        [first.user.email, second.user.email]
    )


def test_asking_for_help_raises_the_alert_at_once(session, vault, settings):
    org, incident, assignee, _on_duty, _auditor = _team(session, vault)
    schedule, _ = _start(session, settings, org, incident, assignee)
    now = utcnow()
    check_in = record_check_in(
        session, settings, schedule=schedule, method="link", safe=False, now=now
    )
    assert check_in.safe is False
    tasks = _tasks(session, incident.id)
    assert len(tasks) == 1 and tasks[0].origin == "check_in_help"
    assert len(_emails(session)) == 2
    assert all("help" in e.subject for e in _emails(session))
    assert len(audit_rows(session, "checkin.help")) == 1


def test_checking_in_with_the_link(session, vault, settings, client):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    schedule, token = _start(session, settings, org, incident, assignee)
    session.commit()

    page = client.get(f"/l/{token}")
    assert page.status_code == 200
    assert_self_contained(page.text)
    assert "I am safe" in page.text and "I need help now" in page.text
    for identifying in (org.name, "Defender A", incident.title, "Vigil"):
        assert identifying not in page.text
    csrf = csrf_from(page.text)
    assert client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "x"}).status_code == 422

    done = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "safe"})
    assert done.status_code == 200 and "Your check-in was recorded" in done.text
    assert_self_contained(done.text)
    session.expire_all()
    check_in = session.scalar(select(CheckIn).where(CheckIn.schedule_id == schedule.id))
    assert check_in.method == "link" and check_in.safe
    assert json.loads(audit_rows(session, "link.used")[0].detail)["action"] == "safe"
    assert _tasks(session, incident.id) == []

    help_page = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "help"})
    assert help_page.status_code == 200 and "alerted" in help_page.text
    assert len(_tasks(session, incident.id)) == 1
    # A check-in link does nothing else, not even a one-click unsubscribe.
    assert client.post(f"/l/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 403


def _report_with_receipt(session, vault, org, incident=None) -> str:  # type: ignore[no-untyped-def]
    receipt = new_receipt()
    key = vault.new_key()
    session.add(
        Report(
            organisation_id=org.id,
            receipt_digest=receipt_digest(vault.ring.index_key, receipt),
            submission_digest=secrets.token_hex(16),
            data_key_id=key.id,
            answers_sealed=vault.seal(key.id, "{}"),
            country="CO",
            incident_id=incident.id if incident else None,
        )
    )
    session.flush()
    return receipt


def test_checking_in_with_a_receipt(session, vault, settings, client):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    schedule, _ = _start(session, settings, org, incident, assignee)
    receipt = _report_with_receipt(session, vault, org, incident)
    unscheduled = _report_with_receipt(session, vault, org)
    session.commit()

    form = client.get("/check-in")
    assert form.status_code == 200
    assert_self_contained(form.text)
    csrf = csrf_from(form.text)
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    done = client.post("/check-in", data={"csrf_token": csrf, "receipt": spaced, "answer": "safe"})
    assert done.status_code == 200 and "Your check-in was recorded" in done.text
    session.expire_all()
    assert session.scalar(select(CheckIn.method).where(CheckIn.schedule_id == schedule.id)) == (
        "receipt"
    )

    wrong = client.post(
        "/check-in", data={"csrf_token": csrf, "receipt": "1" * 16, "answer": "safe"}
    )
    none = client.post(
        "/check-in", data={"csrf_token": csrf, "receipt": unscheduled, "answer": "safe"}
    )
    assert wrong.status_code == none.status_code == 404
    assert "No check-in matches this receipt" in wrong.text and "No check-in matches" in none.text
    assert session.scalar(select(func.count(CheckIn.id))) == 1


def test_receipt_guesses_are_throttled_with_the_report_status_page(settings, session_factory):
    strict = settings.model_copy(update={"receipt_max_failures_per_prefix": 2})
    app = create_app(strict, session_factory=session_factory)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        csrf = csrf_from(client.get("/check-in").text)
        data = {"csrf_token": csrf, "receipt": "2" * 16, "answer": "safe"}
        codes = [client.post("/check-in", data=data).status_code for _ in range(3)]
        assert codes == [404, 404, 429]
        # One budget per receipt prefix, whichever page the guess is made on.
        status = client.post("/report/status", data={"csrf_token": csrf, "receipt": "2" * 15 + "3"})
        assert status.status_code == 429
        other = client.post("/report/status", data={"csrf_token": csrf, "receipt": "3" * 16})
        assert other.status_code == 404


def _staff(account, org, role: str) -> Staff:  # type: ignore[no-untyped-def]
    return Staff(
        user_id=account.user.id,
        email=account.user.email,
        display_name=role,
        organisation_id=org.id,
        organisation_name=org.name,
        role=role,
    )


def test_staff_start_record_renew_and_stop(session, vault, settings, client):
    _org, incident, analyst, _duty, _auditor = _team(session, vault)
    session.commit()
    sign_in(client, analyst)
    csrf = csrf_from(client.get("/staff/reports").text)
    base = f"/staff/incidents/{incident.id}/check-ins"

    page = client.get(f"/staff/incidents/{incident.id}/alerts")
    assert page.status_code == 200 and 'id="check-in-form"' in page.text
    assert 'id="check-ins-none"' in page.text

    bad = client.post(base, data={"csrf_token": csrf, "every_hours": "often"})
    assert bad.status_code == 422
    started = client.post(base, data={"csrf_token": csrf, "every_hours": "24", "defender": ""})
    assert started.status_code == 201
    token = started.text.split("https://vigil.test/l/")[1].split("<")[0]
    assert "shown only once" in started.text
    session.expire_all()
    schedule = session.scalar(select(CheckInSchedule).where(CheckInSchedule.active.is_(True)))
    assert schedule.every_hours == 24 and schedule.grace_minutes == 60
    assert client.get(f"/l/{token}").status_code == 200

    page = client.get(f"/staff/incidents/{incident.id}/alerts")
    assert f'id="check-in-{schedule.id}-due"' in page.text and token not in page.text

    recorded = client.post(
        f"{base}/{schedule.id}/record", data={"csrf_token": csrf, "answer": "safe"}
    )
    assert recorded.status_code == 303
    assert recorded.headers["location"].startswith(f"/staff/incidents/{incident.id}/alerts")
    assert session.scalar(select(CheckIn.method)) == "analyst"

    renewed = client.post(f"{base}/{schedule.id}/link", data={"csrf_token": csrf})
    assert renewed.status_code == 201
    new_token = renewed.text.split("https://vigil.test/l/")[1].split("<")[0]
    assert new_token != token
    assert client.get(f"/l/{token}").status_code == 404
    assert client.get(f"/l/{new_token}").status_code == 200

    assert client.post(f"{base}/{schedule.id}/stop", data={"csrf_token": csrf}).status_code == 303
    session.expire_all()
    assert not session.get(CheckInSchedule, schedule.id).active
    assert client.get(f"/l/{new_token}").status_code == 404


def test_staff_routes_are_for_writers_of_the_same_organisation(session, vault, settings, client):
    org, incident, analyst, _duty, auditor = _team(session, vault)
    schedule, _ = _start(session, settings, org, incident, analyst)
    stranger = make_staff(session, make_org(session))
    session.commit()
    base = f"/staff/incidents/{incident.id}/check-ins"
    routes = [
        (base, {"every_hours": "24"}),
        (f"{base}/{schedule.id}/record", {"answer": "safe"}),
        (f"{base}/{schedule.id}/link", {}),
        (f"{base}/{schedule.id}/stop", {}),
    ]
    for account, expected in ((auditor, 403), (stranger, 404)):
        client.cookies.clear()
        sign_in(client, account)
        csrf = csrf_from(client.get("/staff/reports").text)
        for path, data in routes:
            assert client.post(path, data={"csrf_token": csrf, **data}).status_code == expected
    session.expire_all()
    assert session.scalar(select(func.count(CheckInSchedule.id))) == 1
    assert session.get(CheckInSchedule, schedule.id).active
    assert session.scalar(select(func.count(CheckIn.id))) == 0


def test_the_case_panel_shows_the_schedule_and_its_history(session, vault, settings):
    org, incident, analyst, _duty, auditor = _team(session, vault)
    schedule, _ = _start(session, settings, org, incident, analyst)
    record_check_in(session, settings, schedule=schedule, method="receipt", safe=True, now=utcnow())
    panel = check_in_panel(session, org_id=org.id, incident_id=incident.id)
    assert panel.schedules[0].last is not None and not panel.schedules[0].missed
    assert [c.method for c in panel.history] == ["receipt"]
    assert panel.defenders and panel.defenders[0][1] == "Defender A"
    with pytest.raises(NotFound):
        check_in_panel(session, org_id=make_org(session).id, incident_id=incident.id)

    template = templates.env.get_template("staff/checkins/_schedules.html")
    common = {
        "incident": incident,
        "checkins": panel,
        "request": None,
        "csrf_token": lambda _r: "t",
    }
    html = template.render(**common, staff=_staff(analyst, org, "analyst"))
    assert 'id="check-in-form"' in html and "with the receipt" in html
    assert f"/check-ins/{schedule.id}/record" in html and f"/check-ins/{schedule.id}/stop" in html
    read_only = template.render(**common, staff=_staff(auditor, org, "auditor"))
    assert 'id="check-in-form"' not in read_only and "/record" not in read_only


def test_the_worker_raises_missed_check_ins_in_its_own_transaction(
    session, vault, settings, session_factory
):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    schedule, _ = _start(session, settings, org, incident, assignee, grace_minutes=0)
    session.commit()
    late = schedule.next_due_at + timedelta(minutes=1)
    assert raise_missed_check_ins_now(session_factory, settings, late) == 1
    assert raise_missed_check_ins_now(session_factory, settings, late) == 0
    session.expire_all()
    assert session.get(CheckInSchedule, schedule.id).missed_since == late
    assert len(_tasks(session, incident.id)) == 1
