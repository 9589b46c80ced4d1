"""A defender who cannot be reached: an urgent verification task, never a closure."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.casework.test_casework import resolved_case
from tests.factories import make_org, make_staff, sign_in
from tests.surfaces.staff.test_cases import _post
from vigil.casework.contact_lost import VERIFICATION_TASK
from vigil.casework.models import CaseTask
from vigil.casework.service import request_closure
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict


def test_unreachable_is_refused_as_a_closure_reason(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    with pytest.raises(Conflict):
        request_closure(
            session,
            org_id=org.id,
            incident_id=incident.id,
            reason="defender_unreachable",
            note="",
            actor_user_id=analyst.user.id,
        )
    assert incident.status == "resolved" and incident.closure_reason is None


def test_closure_form_with_unreachable_opens_one_task_and_keeps_the_case_open(
    session, vault, client
):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst)
    session.commit()
    sign_in(client, analyst)
    closure = f"/staff/incidents/{incident.id}/closure"
    for _ in range(2):  # twice the same day: still one task
        done = _post(client, closure, {"reason": "defender_unreachable", "note": ""})
        assert done.status_code == 303 and "contact_lost" in done.headers["location"]
    session.expire_all()
    assert incident.status == "active" and incident.closure_reason is None
    tasks = session.scalars(select(CaseTask).where(CaseTask.incident_id == incident.id)).all()
    lost = [t for t in tasks if t.origin == "contact_lost"]
    assert len(lost) == 1
    assert lost[0].title == VERIFICATION_TASK and lost[0].due_on == date.today()
    assert lost[0].done_at is None
    page = client.get(f"/staff/incidents/{incident.id}/case").text
    assert "Verify the defender is safe" in page
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "incident.contact_lost")
    ).all()
    assert len(actions) == 2
