"""What the defender sees around a check-in: two answers that do not look alike, and, once
answered, when the next check-in is due (the time the schedule really holds) and the
organisation's emergency numbers for the country of the case, set by a coordinator on the
organisation's settings page."""

from __future__ import annotations

import re

from babel.dates import format_datetime
from sqlalchemy import select

from tests.checkins.test_checkins import _report_with_receipt, _start, _team
from tests.factories import csrf_from, make_staff, sign_in
from vigil.checkins.models import CheckInSchedule
from vigil.core.audit import AuditEvent
from vigil.organisations.emergency import MAX_TEXT
from vigil.organisations.models import Organisation


def _next_due_said(session, schedule_id: int) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    due = session.scalar(
        select(CheckInSchedule.next_due_at).where(CheckInSchedule.id == schedule_id)
    )
    return format_datetime(due, "medium", locale="en")


def _answers(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<button type="submit" name="answer" value="(\w+)" class="([\w-]+)"', html)


def test_the_two_answers_look_different_on_both_check_in_pages(session, vault, settings, client):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    _, token = _start(session, settings, org, incident, assignee)
    session.commit()
    for path in (f"/l/{token}", "/check-in"):
        html = client.get(path).text
        assert _answers(html) == [("safe", "answer-safe"), ("help", "answer-help")], path
        assert 'class="checkin-answers"' in html


def test_the_link_confirmation_says_when_the_next_check_in_is_due(session, vault, settings, client):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    schedule, token = _start(session, settings, org, incident, assignee, every_hours=12)
    session.commit()
    csrf = csrf_from(client.get(f"/l/{token}").text)
    done = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "safe"})
    assert done.status_code == 200
    said = _next_due_said(session, schedule.id)
    assert f"Your next check-in is due by {said} UTC." in done.text

    helped = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "help"})
    assert helped.status_code == 200 and 'id="next-due"' in helped.text


def test_the_receipt_confirmation_says_when_the_next_check_in_is_due(
    session, vault, settings, client
):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    schedule, _ = _start(session, settings, org, incident, assignee, every_hours=6)
    receipt = _report_with_receipt(session, vault, org, incident)
    session.commit()
    csrf = csrf_from(client.get("/check-in").text)
    done = client.post("/check-in", data={"csrf_token": csrf, "receipt": receipt, "answer": "safe"})
    assert done.status_code == 200
    said = _next_due_said(session, schedule.id)
    assert f"Your next check-in is due by {said} UTC." in done.text

    wrong = client.post(
        "/check-in", data={"csrf_token": csrf, "receipt": "1" * 16, "answer": "safe"}
    )
    assert wrong.status_code == 404 and 'id="next-due"' not in wrong.text


def _save_numbers(client, text: str):  # type: ignore[no-untyped-def]
    csrf = csrf_from(client.get("/staff/organisation").text)
    return client.post("/staff/organisation", data={"csrf_token": csrf, "emergency_numbers": text})


def test_a_coordinator_sets_emergency_numbers_per_country(session, vault, settings, client):
    org, _incident, analyst, _duty, _auditor = _team(session, vault)
    coordinator = make_staff(session, org, role="coordinator")
    session.commit()
    sign_in(client, analyst)
    page = client.get("/staff/organisation")
    assert page.status_code == 200 and 'id="emergency-form"' not in page.text
    assert _save_numbers(client, "CO: 123").status_code == 403  # only coordinators write

    sign_in(client, coordinator)
    text = "co: Police 123\n\nPE: 105 · +51 1 000 0000\nCO: +57 300 000 0000"
    saved = _save_numbers(client, text)
    assert saved.status_code == 303
    session.expire_all()
    stored = session.get(Organisation, org.id).emergency_numbers
    assert stored == {"CO": "Police 123 · +57 300 000 0000", "PE": "105 · +51 1 000 0000"}
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.emergency_numbers")
    ).one()
    assert "123" not in str(event.detail)

    bad = "EZ: 112\nPE:\nCO: " + "1" * (MAX_TEXT + 1)
    refused = _save_numbers(client, bad)
    assert refused.status_code == 422
    for line in ("Line 1:", "Line 2:", "Line 3:"):
        assert line in refused.text
    assert "EZ: 112" in refused.text  # what was typed comes back
    session.expire_all()
    assert session.get(Organisation, org.id).emergency_numbers == stored
    assert _save_numbers(client, "CO: " + "1" * MAX_TEXT).status_code == 303


def test_the_confirmation_shows_the_numbers_of_the_cases_country(session, vault, settings, client):
    org, incident, assignee, _duty, _auditor = _team(session, vault)
    _, token = _start(session, settings, org, incident, assignee)
    receipt = _report_with_receipt(session, vault, org, incident)
    org.emergency_numbers = {incident.country: "Police 123", "ZW": "999"}
    session.commit()
    csrf = csrf_from(client.get(f"/l/{token}").text)
    done = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "help"})
    assert "Police 123" in done.text and "999" not in done.text
    by_receipt = client.post(
        "/check-in", data={"csrf_token": csrf, "receipt": receipt, "answer": "help"}
    )
    assert "Police 123" in by_receipt.text

    org.emergency_numbers = {"ZW": "999"}
    session.commit()
    csrf = csrf_from(client.get(f"/l/{token}").text)
    nothing = client.post(f"/l/{token}", data={"csrf_token": csrf, "answer": "safe"})
    assert nothing.status_code == 200 and 'id="emergency-numbers"' not in nothing.text
