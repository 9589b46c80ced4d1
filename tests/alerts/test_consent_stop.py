"""Issue 18, "do no harm in every message" after the launch (both databases): an alert launched
with consent stops as soon as that consent no longer holds — the victim records "record
only", withdraws ``store``, their own strategy is superseded by a third party's word, they
are forgotten, or the emergency exception it went out on expires (T-1 s still sends, T does
not) or is withdrawn. Then the next tier sends nothing, what was queued is cancelled with
the reason (the worker's batch sends none of it), the alert is suspended and audited, the
team gets one inbox item, and the alert page says so. A change that still allows the alert
(quiet → public) stops nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.alerts.test_no_response import PLAYBOOK as NO_RESPONSE_PLAYBOOK
from tests.factories import (
    consent_of_the_defender,
    make_incident,
    make_org,
    make_staff,
    sign_in,
)
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.event_details import CONSENT_STOPPED
from vigil.alerts.jobs import advance_alerts
from vigil.alerts.models import AlertEvent
from vigil.alerts.service import add_recipient, draft_alert, launch_alert
from vigil.casework.emergency import confirm_exception, request_exception, withdraw_exception
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.defenders.consent import record_consent
from vigil.forgetting.service import forget_person
from vigil.inbox.models import InboxItem
from vigil.incidents.models import Act
from vigil.outbox.models import Delivery
from vigil.outbox.service import claim_due, record_sent
from vigil.playbooks.service import import_playbook

#: Tier 1 at once; tier 2 when tier 1 gave no substantive response within 24 hours (then 3).
PLAYBOOK = (
    NO_RESPONSE_PLAYBOOK[: NO_RESPONSE_PLAYBOOK.index("chain:")]
    + """chain:
  - {notify: 1}
  - {wait_hours: 24}
  - {escalate_if_no_response: {from: 1, to: 2}}
  - {wait_hours: 48}
  - {escalate_if_no_response: {from: 2, to: 3}}
"""
    + NO_RESPONSE_PLAYBOOK[NO_RESPONSE_PLAYBOOK.index("messages:") :]
).replace("code: test_no_response", "code: test_consent_stop")
DEADLINE = timedelta(hours=24)
SECOND = timedelta(seconds=1)


def _victim_id(session, incident) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id))


def _record(session, incident, scope: str, decision: str, **how):  # type: ignore[no-untyped-def]
    record_consent(
        session, org_id=incident.organisation_id, defender_id=_victim_id(session, incident),
        scope=scope, decision=decision, method=how.get("method", "in_person"),
        given_by=how.get("given_by", "defender"), actor_user_id=None,
    )  # fmt: skip


def _contact(session, org, alert, tier: int, name: str):  # type: ignore[no-untyped-def]
    contact = Contact(organisation_id=org.id, name=name, email=f"{name.lower()}@example.org")
    contact.kind, contact.role = "company", "security_lead"
    session.add(contact)
    session.flush()
    add_recipient(
        session, org_id=org.id, alert_id=alert.id, contact_id=contact.id, tier=tier,
        actor_user_id=None,
    )  # fmt: skip
    return contact


def _launched(session, vault, settings, *, consent: bool = True):  # type: ignore[no-untyped-def]
    org = make_org(session)
    incident = make_incident(session, org, vault=vault)
    exception = None
    if consent:
        consent_of_the_defender(session, incident)
    else:
        asker, colleague = make_staff(session, org), make_staff(session, org)
        exception = request_exception(
            session, vault, org_id=org.id, incident_id=incident.id,
            reason="Detained; cannot be reached.", actor_user_id=asker.user.id,
        )  # fmt: skip
        confirm_exception(
            session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
            actor_user_id=colleague.user.id,
        )  # fmt: skip
    playbook = import_playbook(session, org_id=org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    alert = draft_alert(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=None,
        playbook_id=playbook.id,
    )  # fmt: skip
    _contact(session, org, alert, 1, "First")
    _contact(session, org, alert, 2, "Second")
    start = utcnow().replace(microsecond=0)
    launch_alert(
        session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None, now=start
    )
    return org, incident, alert, start, exception


def _deliveries(session, alert, tier: int) -> list[Delivery]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(Delivery).where(Delivery.alert_id == alert.id, Delivery.tier == tier)
        )
    )


def _items(session, alert) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(InboxItem).where(
                InboxItem.object_type == "alert",
                InboxItem.object_id == alert.id,
                InboxItem.kind == "consent_stopped",
            )
        )
    )


def _audits(session, alert) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "alert.suspended", AuditEvent.object_id == str(alert.id)
            )
        )
    )


def _assert_stopped(session, alert, why: str) -> None:  # type: ignore[no-untyped-def]
    session.expire_all()
    assert alert.status == "suspended"
    assert alert.chain_due_at is None
    assert alert.stop_reason == CONSENT_STOPPED
    assert _deliveries(session, alert, 2) == []  # the next tier sent nothing
    assert all(d.state == "cancelled" for d in _deliveries(session, alert, 1))
    items = _items(session, alert)
    assert len(items) == 1 and items[0].urgent
    assert items[0].path == f"/staff/alerts/{alert.id}"
    audits = _audits(session, alert)
    assert len(audits) == 1 and json.loads(audits[0].detail)["why"] == why
    kinds = session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id)).all()
    assert kinds.count("suspended") == 1


TRIGGERS = {
    "record_only": ("refused", lambda s, i: _record(s, i, "strategy", "record_only")),
    # "record only" relayed by the reporter is honoured at once too.
    "record_only_by_reporter": (
        "refused",
        lambda s, i: _record(
            s, i, "strategy", "record_only", given_by="reporter", method="through_reporter"
        ),
    ),
    "store_withdrawn": ("refused", lambda s, i: _record(s, i, "store", "withdraw")),
    # The defender's own strategy superseded by a third party's word: no own consent left.
    "strategy_withdrawn": (
        "no_consent",
        lambda s, i: _record(
            s, i, "strategy", "quiet", given_by="reporter", method="through_reporter"
        ),
    ),
}


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
def test_the_worker_sends_nothing_queued_after_consent_changed(session, vault, settings, trigger):  # type: ignore[no-untyped-def]
    _org, incident, alert, start, _ = _launched(session, vault, settings)
    queued = _deliveries(session, alert, 1)
    assert queued and all(d.state == "queued" for d in queued)
    why, change = TRIGGERS[trigger]
    change(session, incident)

    # The worker's batch: the consent is asked right before sending; nothing goes.
    batch = claim_due(session, now=utcnow(), worker_id="test", limit=100, timeline=ALERT_TIMELINE)
    assert [d for d in batch if d.alert_id == alert.id] == []
    assert all(d.last_error == CONSENT_STOPPED for d in _deliveries(session, alert, 1))
    # The next tier's deadline: nothing is queued, nothing is raised twice.
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    advance_alerts(session, vault, settings, now=start + DEADLINE + DEADLINE)
    _assert_stopped(session, alert, why)
    cancelled = session.scalars(
        select(AlertEvent.detail).where(
            AlertEvent.alert_id == alert.id, AlertEvent.kind == "cancelled"
        )
    ).all()
    assert cancelled == [f"{len(queued)} queued deliveries cancelled: {CONSENT_STOPPED}"]


def test_the_next_tier_is_not_queued_once_record_only_is_recorded(session, vault, settings):  # type: ignore[no-untyped-def]
    _org, incident, alert, start, _ = _launched(session, vault, settings)
    record_sent(
        session, delivery_ids=[d.id for d in _deliveries(session, alert, 1)], now=start,
        timeline=ALERT_TIMELINE,
    )  # fmt: skip
    _record(session, incident, "strategy", "record_only")
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    session.expire_all()
    assert alert.status == "suspended" and _deliveries(session, alert, 2) == []
    # Recipients already reached keep what they got: nothing is sent or recalled.
    assert all(d.state == "sent" for d in _deliveries(session, alert, 1))
    assert len(_items(session, alert)) == 1 and len(_audits(session, alert)) == 1


def test_forgetting_the_defender_stops_the_alert(session, vault, settings):  # type: ignore[no-untyped-def]
    _org, incident, alert, start, _ = _launched(session, vault, settings)
    forget_person(session, vault=vault, defender_id=_victim_id(session, incident))
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    _assert_stopped(session, alert, "refused")


@pytest.mark.parametrize(
    ("offset", "stops"), [(-SECOND, False), (timedelta(0), True), (SECOND, True)]
)
def test_an_expiring_exception_stops_the_next_tier_at_its_edge(  # type: ignore[no-untyped-def]
    session, vault, settings, offset, stops
):
    _org, _incident, alert, start, exception = _launched(session, vault, settings, consent=False)
    exception.expires_at = start + DEADLINE + SECOND  # tier 2 is due a second before
    session.flush()
    advance_alerts(session, vault, settings, now=exception.expires_at + offset)
    session.expire_all()
    if stops:
        _assert_stopped(session, alert, "no_consent")
    else:  # one second before the expiry the exception still holds: tier 2 is alerted
        assert alert.status == "active"
        assert _deliveries(session, alert, 2)
        assert _items(session, alert) == [] and _audits(session, alert) == []


def test_a_withdrawn_exception_stops_the_alert_at_once(session, vault, settings, client):  # type: ignore[no-untyped-def]
    org, incident, alert, start, exception = _launched(session, vault, settings, consent=False)
    staff = make_staff(session, org)
    withdraw_exception(
        session, org_id=org.id, incident_id=incident.id, exception_id=exception.id,
        actor_user_id=staff.user.id,
    )  # fmt: skip
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    _assert_stopped(session, alert, "no_consent")
    session.commit()
    sign_in(client, staff)
    page = client.get(f"/staff/alerts/{alert.id}").text
    assert "Stopped: consent changed after launch" in page
    assert "Recipients already reached are not contacted again automatically." in page
    assert f'action="/staff/alerts/{alert.id}/stop"' not in page


def test_a_change_that_still_allows_the_alert_stops_nothing(session, vault, settings):  # type: ignore[no-untyped-def]
    _org, incident, alert, start, _ = _launched(session, vault, settings)
    _record(session, incident, "strategy", "public")
    batch = claim_due(session, now=utcnow(), worker_id="test", limit=100, timeline=ALERT_TIMELINE)
    assert {d.alert_id for d in batch} == {alert.id}
    advance_alerts(session, vault, settings, now=start + DEADLINE)
    session.expire_all()
    assert alert.status == "active"
    assert [d.state for d in _deliveries(session, alert, 2)] == ["queued"]
    assert _items(session, alert) == [] and _audits(session, alert) == []
