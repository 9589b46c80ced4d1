"""Four eyes on an urgent alert (playbook ``four_eyes: {approve_within_minutes: 30}``), on
both databases: launching waits for approval and raises an urgent inbox item; the launcher
cannot approve; another member of staff approves and it is sent; after exactly 30 minutes
(not a second before) the launcher may send it alone, and that is recorded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.alerts.test_alert_flow import PLAYBOOK as FLOW_PLAYBOOK
from tests.factories import csrf_from, make_staff, sign_in
from vigil.alerts.models import Alert, AlertEvent
from vigil.alerts.service import (
    draft_alert,
    launch_alert,
    release_alert,
    set_recipients,
    stop_alert,
)
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.demo.alerts import load_alert_demo
from vigil.inbox.jobs import page_after
from vigil.inbox.models import InboxItem
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.playbooks.parsing import parse_playbook_yaml
from vigil.playbooks.service import import_playbook

LIMIT = timedelta(minutes=30)
PLAYBOOK = FLOW_PLAYBOOK.replace("code: test_threat", "code: test_four_eyes") + (
    "four_eyes:\n  approve_within_minutes: 30\n"
)


@pytest.fixture
def waiting(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    """An alert launched by an analyst at ``start``, waiting for a second approval."""
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    playbook = import_playbook(session, org_id=org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    launcher, colleague = make_staff(session, org), make_staff(session, org)
    alert = draft_alert(
        session,
        org_id=org.id,
        incident_id=incident.id,
        actor_user_id=launcher.user.id,
        playbook_id=playbook.id,
    )
    start = utcnow().replace(microsecond=0)
    launch_alert(
        session,
        vault,
        settings,
        org_id=org.id,
        alert_id=alert.id,
        actor_user_id=launcher.user.id,
        now=start,
    )
    return alert, launcher, colleague, start


def _release(session, settings, vault, alert, account, *, alone, now):  # type: ignore[no-untyped-def]
    return release_alert(
        session,
        vault,
        settings,
        org_id=alert.organisation_id,
        alert_id=alert.id,
        actor_user_id=account.user.id,
        alone=alone,
        now=now,
    )


def _deliveries(session, alert) -> int:  # type: ignore[no-untyped-def]
    return len(session.scalars(select(Delivery.id).where(Delivery.alert_id == alert.id)).all())


def _events(session, alert) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(AlertEvent.kind, AlertEvent.detail)
        .where(AlertEvent.alert_id == alert.id)
        .order_by(AlertEvent.id)
    ).all()
    return [(kind, detail) for kind, detail in rows]


def _audit(session, alert) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.detail).where(
            AuditEvent.object_type == "alert", AuditEvent.object_id == str(alert.id)
        )
    ).all()
    return {action: json.loads(detail) if detail else None for action, detail in rows}


def test_launching_waits_for_approval_with_an_urgent_inbox_item(session, settings, waiting):
    alert, launcher, _colleague, start = waiting
    assert alert.status == "awaiting_approval"
    assert alert.approval_requested_by_id == launcher.user.id
    assert alert.launched_at is None and _deliveries(session, alert) == 0
    assert _events(session, alert)[0][0] == "approval_requested"
    assert _audit(session, alert)["alert.approval_requested"] == {"within_minutes": 30}
    item = session.scalar(
        select(InboxItem).where(InboxItem.object_type == "alert", InboxItem.object_id == alert.id)
    )
    assert item is not None and item.kind == "approval_requested" and item.urgent
    assert item.path == f"/staff/alerts/{alert.id}#approval-h" and item.next_page_at == start
    assert page_after(settings, "approval_requested") == timedelta(minutes=10)
    with pytest.raises(Conflict, match="approval"):  # what was reviewed cannot change now
        set_recipients(
            session,
            org_id=alert.organisation_id,
            alert_id=alert.id,
            included_ids=set(),
            actor_user_id=launcher.user.id,
        )


def test_the_launcher_cannot_approve_and_a_colleague_sends_it(session, settings, vault, waiting):
    alert, launcher, colleague, start = waiting
    with pytest.raises(Forbidden, match="another member of staff"):
        _release(session, settings, vault, alert, launcher, alone=False, now=start + LIMIT * 2)
    with pytest.raises(Forbidden, match="Only the person who launched"):
        _release(session, settings, vault, alert, colleague, alone=True, now=start + LIMIT)
    assert alert.status == "awaiting_approval" and _deliveries(session, alert) == 0

    _release(session, settings, vault, alert, colleague, alone=False, now=start + timedelta(1))
    assert alert.status == "active" and alert.approved_by_id == colleague.user.id
    assert _deliveries(session, alert) > 0
    kinds = [kind for kind, _detail in _events(session, alert)]
    assert kinds[:3] == ["approval_requested", "approved", "launched"]
    audit = _audit(session, alert)
    assert audit["alert.approved"] == {"requested_by": launcher.user.id}
    assert "alert.launched" in audit and "alert.sent_without_approval" not in audit
    item = session.scalar(select(InboxItem).where(InboxItem.object_id == alert.id))
    assert item.acknowledged_by_id == colleague.user.id and item.next_page_at is None
    with pytest.raises(Conflict, match="not waiting for approval"):
        _release(session, settings, vault, alert, colleague, alone=False, now=start + LIMIT)


def test_sending_alone_waits_for_the_limit_to_the_second(session, settings, vault, waiting):
    alert, launcher, _colleague, start = waiting
    with pytest.raises(Conflict, match="30 minutes"):
        _release(
            session, settings, vault, alert, launcher, alone=True, now=start + LIMIT - timedelta(1)
        )
    assert alert.status == "awaiting_approval" and _deliveries(session, alert) == 0

    _release(session, settings, vault, alert, launcher, alone=True, now=start + LIMIT)
    assert alert.status == "active" and alert.approved_by_id is None
    assert _deliveries(session, alert) > 0
    events = dict(_events(session, alert))
    assert events["sent_alone"] == "sent without second approval after 30 minutes (limit 30)"
    audit = _audit(session, alert)
    assert audit["alert.sent_without_approval"] == {"after_minutes": 30, "limit_minutes": 30}


def test_a_draft_cannot_be_released_and_playbooks_without_four_eyes_send_at_once(
    session, settings, vault, waiting
):
    alert, launcher, colleague, _start = waiting
    other = draft_alert(
        session,
        org_id=alert.organisation_id,
        incident_id=alert.incident_id,
        actor_user_id=launcher.user.id,
        playbook_id=alert.playbook_id,
    )
    with pytest.raises(Conflict, match="not waiting"):
        _release(session, settings, vault, other, colleague, alone=False, now=utcnow())
    assert session.get(Alert, other.id).status == "draft"


def test_cancelling_a_waiting_alert_ends_the_paging(session, waiting):
    alert, _launcher, colleague, start = waiting
    stop_alert(
        session,
        alert=alert,
        status="cancelled",
        reason="sent by mistake",
        actor_user_id=colleague.user.id,
        now=start + timedelta(minutes=5),
    )
    item = session.scalar(select(InboxItem).where(InboxItem.object_id == alert.id))
    assert alert.status == "cancelled" and _deliveries(session, alert) == 0
    assert item.acknowledged_by_id == colleague.user.id and item.next_page_at is None


@pytest.mark.parametrize(("minutes", "valid"), [(0, False), (1, True), (1440, True), (1441, False)])
def test_playbook_four_eyes_limit_is_checked(minutes, valid):
    text = PLAYBOOK.replace("approve_within_minutes: 30", f"approve_within_minutes: {minutes}")
    if valid:
        assert parse_playbook_yaml(text).four_eyes.approve_within_minutes == minutes
    else:
        with pytest.raises(Invalid, match="four_eyes"):
            parse_playbook_yaml(text)
    with pytest.raises(Invalid, match="four_eyes"):
        parse_playbook_yaml(PLAYBOOK.replace("approve_within_minutes", "within"))


def test_approval_through_the_alert_page_without_javascript(session, client, app, waiting):
    alert, launcher, colleague, _start = waiting
    url = f"/staff/alerts/{alert.id}"
    sign_in(client, launcher)
    page = client.get(url).text
    assert 'id="approval-h"' in page and 'id="send-alone"' in page
    assert 'id="approve-alert"' not in page and "Awaiting a second approval" in page
    token = csrf_from(page)
    early = client.post(f"{url}/release", data={"how": "alone", "csrf_token": token})
    assert early.status_code == 409 and alert.status == "awaiting_approval"
    own = client.post(f"{url}/release", data={"how": "approve", "csrf_token": token})
    assert own.status_code == 403

    client.cookies.clear()
    sign_in(client, colleague)
    page = client.get(url).text
    assert 'id="approve-alert"' in page and 'id="send-alone"' not in page
    sent = client.post(
        f"{url}/release",
        data={"how": "approve", "csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    session.refresh(alert)
    assert alert.status == "active"
    assert "Approved by a second staff member" in client.get(url).text
