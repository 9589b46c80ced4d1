"""Safe closing through the case page: the refusal and its reason are on the page, the
override is a coordinator's, in writing, audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.checkins.models import CheckInSchedule
from vigil.checkins.service import record_check_in, start_schedule
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow

REASON = "The last safety check-in asked for help"


def _case_with_help_call(session, vault, settings):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    coordinator = make_staff(session, org, role="coordinator")
    incident = make_incident(session, org, vault=vault, status="active")
    schedule, _ = start_schedule(
        session,
        settings,
        org_id=org.id,
        incident_id=incident.id,
        every_hours=24,
        actor_user_id=analyst.user.id,
        now=utcnow() - timedelta(hours=1),
    )
    record_check_in(session, settings, schedule=schedule, method="link", safe=False, now=utcnow())
    session.commit()
    return incident, analyst, coordinator


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def test_resolving_is_refused_with_the_reason_on_the_page(session, vault, settings, client):
    incident, analyst, _ = _case_with_help_call(session, vault, settings)
    sign_in(client, analyst)
    page = client.get(f"/staff/incidents/{incident.id}/case")
    assert 'id="closing-blockers"' in page.text and REASON in page.text
    assert "Only a coordinator can override this" in page.text
    assert 'name="justification"' not in page.text  # no override for an analyst

    refused = _post(client, f"/staff/incidents/{incident.id}/status", {"status": "resolved"})
    assert refused.status_code == 409  # the case page again, with the refusal on top
    assert 'id="closing-error"' in refused.text and 'id="case-status">Active' in refused.text
    assert "The case cannot be closed yet." in refused.text and REASON in refused.text
    forced = _post(
        client,
        f"/staff/incidents/{incident.id}/status",
        {"status": "resolved", "override": "yes", "justification": "I am sure."},
    )
    assert forced.status_code == 403
    session.expire_all()
    assert client.get(f"/staff/incidents/{incident.id}/case").text.count("status-active") >= 1
    assert session.scalar(
        select(CheckInSchedule.active).where(CheckInSchedule.incident_id == incident.id)
    )


def test_a_coordinator_overrides_in_writing_and_is_audited(session, vault, settings, client):
    incident, _, coordinator = _case_with_help_call(session, vault, settings)
    sign_in(client, coordinator)
    page = client.get(f"/staff/incidents/{incident.id}/case")
    assert 'name="justification"' in page.text
    unjustified = _post(
        client, f"/staff/incidents/{incident.id}/status", {"status": "resolved", "override": "yes"}
    )
    assert unjustified.status_code == 422
    assert 'id="closing-error"' in unjustified.text
    assert "Write why the case may be closed" in unjustified.text

    done = _post(
        client,
        f"/staff/incidents/{incident.id}/status",
        {"status": "resolved", "override": "yes", "justification": "Safe house confirmed."},
    )
    assert done.status_code == 303
    page = client.get(f"/staff/incidents/{incident.id}/case")
    assert 'id="case-status">Resolved' in page.text
    assert "Safe house confirmed." in page.text  # the justification is in the case notes
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(incident.id))
    ).all()
    assert "incident.closing_override" in actions and "checkin.stopped" in actions
