"""Safe closing (``vigil.closing``): a case is not resolved or closed while its defender may
still be in danger; a coordinator may override in writing; closing ends the watch over it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.casework.test_casework import _report
from tests.factories import make_incident, make_org, make_staff
from vigil.access import Actor
from vigil.alerts.models import Alert, AlertStatus
from vigil.casework.models import CaseNote
from vigil.casework.service import assess_risk, change_status
from vigil.checkins.service import case_victims, record_check_in, start_schedule
from vigil.closing.blockers import closing_blockers
from vigil.closing.service import (
    ClosingBlocked,
    Closure,
    Override,
    close_case,
    resolve_case,
    review_case_closure,
)
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid
from vigil.inbox.models import InboxKind
from vigil.inbox.service import acknowledge_item, list_open_items, raise_item

NO = Override()


def _actor(account, org, role="analyst") -> Actor:  # type: ignore[no-untyped-def]
    return Actor(user_id=account.user.id, org_id=org.id, role=role)


def _case(session, vault, settings, *, status="active"):  # type: ignore[no-untyped-def]
    """A worked case with a daily check-in schedule; returns what the tests need."""
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault, status=status)
    schedule, _token = start_schedule(
        session,
        settings,
        org_id=org.id,
        incident_id=incident.id,
        every_hours=24,
        actor_user_id=analyst.user.id,
        now=utcnow() - timedelta(hours=2),
    )
    return org, analyst, incident, schedule


def _check_in(session, settings, schedule, *, safe, at):  # type: ignore[no-untyped-def]
    return record_check_in(session, settings, schedule=schedule, method="link", safe=safe, now=at)


def _acknowledge_inbox(session, org, account) -> None:  # type: ignore[no-untyped-def]
    """Someone on the team took every open inbox item (the help call's among them)."""
    for item in list_open_items(session, org_id=org.id):
        acknowledge_item(
            session, org_id=org.id, item_id=item.id, user_id=account.user.id, now=utcnow()
        )


def _assess(session, vault, org, analyst, incident, level, at):  # type: ignore[no-untyped-def]
    assessment = assess_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        level=level,
        factors={},
        reasons="",
        review_on=date.today() + timedelta(days=7),
        actor_user_id=analyst.user.id,
    )
    assessment.assessed_at = at
    session.flush()
    return assessment


def _resolve(session, vault, org, account, incident, override=NO, role="analyst"):  # type: ignore[no-untyped-def]
    return resolve_case(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        actor=_actor(account, org, role),
        override=override,
        now=utcnow(),
    )


def _close(session, vault, org, account, incident, override=NO, role="analyst", message=""):  # type: ignore[no-untyped-def]
    return close_case(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        closure=Closure(reason="threat_stopped", note="", message=message),
        actor=_actor(account, org, role),
        override=override,
        now=utcnow(),
    )


def test_a_help_call_at_the_last_check_in_refuses_resolving_and_closing(session, vault, settings):
    org, analyst, incident, schedule = _case(session, vault, settings)
    now = utcnow()
    _check_in(session, settings, schedule, safe=True, at=now - timedelta(minutes=30))
    _check_in(session, settings, schedule, safe=False, at=now - timedelta(minutes=10))
    _acknowledge_inbox(session, org, analyst)
    with pytest.raises(ClosingBlocked) as refused:
        _resolve(session, vault, org, analyst, incident)
    assert [b.code for b in refused.value.blockers] == ["help_call"]
    assert "I need help now" in str(refused.value)
    assert incident.status == "active"

    incident.status = "resolved"  # resolved before the call came in: closing is refused too
    session.flush()
    with pytest.raises(ClosingBlocked):
        _close(session, vault, org, analyst, incident)
    assert incident.status == "resolved"

    # The defender then says they are safe: the last check-in no longer asks for help.
    _check_in(session, settings, schedule, safe=True, at=now - timedelta(minutes=1))
    assert closing_blockers(session, incident=incident) == []
    assert _close(session, vault, org, analyst, incident).closed


@pytest.mark.parametrize(
    ("level", "offset_seconds", "blocked"),
    [
        ("extreme", -1, True),  # re-assessed just before the help call: does not count
        ("extreme", 0, True),  # at the same instant: not "after"
        ("extreme", 1, False),  # just after: counts
        ("extraordinary", -1, True),
        ("extraordinary", 1, False),
        ("ordinary", -1, False),  # the rule is about high risk only
    ],
)
def test_high_risk_needs_a_reassessment_made_after_the_last_help_call(
    session, vault, settings, level, offset_seconds, blocked
):
    org, analyst, incident, schedule = _case(session, vault, settings)
    called = utcnow() - timedelta(minutes=20)
    _check_in(session, settings, schedule, safe=False, at=called)
    _check_in(session, settings, schedule, safe=True, at=called + timedelta(minutes=10))
    _acknowledge_inbox(session, org, analyst)
    _assess(
        session, vault, org, analyst, incident, level, called + timedelta(seconds=offset_seconds)
    )
    codes = [b.code for b in closing_blockers(session, incident=incident)]
    assert codes == (["risk_not_reassessed"] if blocked else [])
    if blocked:
        with pytest.raises(ClosingBlocked, match="re-assessed after the last call for help"):
            _resolve(session, vault, org, analyst, incident)
    else:
        assert _resolve(session, vault, org, analyst, incident).status == "resolved"


def test_high_risk_without_any_help_call_is_left_to_the_second_review(session, vault, settings):
    org, analyst, incident, _schedule = _case(session, vault, settings)
    _assess(session, vault, org, analyst, incident, "extreme", utcnow() - timedelta(days=1))
    assert closing_blockers(session, incident=incident) == []
    _resolve(session, vault, org, analyst, incident)
    outcome = _close(session, vault, org, analyst, incident)
    assert not outcome.closed and incident.closure_requested_by_id == analyst.user.id


def test_only_a_coordinator_overrides_and_only_in_writing(session, vault, settings):
    org, analyst, incident, schedule = _case(session, vault, settings)
    coordinator = make_staff(session, org, role="coordinator")
    _check_in(session, settings, schedule, safe=False, at=utcnow() - timedelta(minutes=5))
    why = Override(requested=True, justification="Relocated abroad with her family; spoke today.")

    with pytest.raises(Forbidden):
        _resolve(session, vault, org, analyst, incident, why)
    with pytest.raises(Invalid):
        _resolve(session, vault, org, coordinator, incident, Override(True, "  "), "coordinator")
    with pytest.raises(ClosingBlocked):  # a justification alone, without choosing to override
        _resolve(session, vault, org, coordinator, incident, Override(False, "x"), "coordinator")
    assert incident.status == "active"

    _resolve(session, vault, org, coordinator, incident, why, "coordinator")
    assert incident.status == "resolved"
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "incident.closing_override",
            AuditEvent.object_id == str(incident.id),
        )
    )
    assert event is not None and event.actor_user_id == coordinator.user.id
    detail = json.loads(event.detail)
    assert detail["blockers"] == ["help_call", "urgent_inbox"]
    note = session.get(CaseNote, detail["note"])
    assert "Relocated abroad" in vault.reveal(incident.data_key_id, note.body_sealed)
    assert "Relocated abroad" not in str(event.detail)  # the justification stays sealed


def test_closing_stops_check_in_schedules_and_active_alerts(session, vault, settings):
    org, analyst, incident, schedule = _case(session, vault, settings)
    alert = Alert(
        organisation_id=org.id,
        incident_id=incident.id,
        status=AlertStatus.active,
        chain_due_at=utcnow() + timedelta(hours=1),
    )
    draft = Alert(organisation_id=org.id, incident_id=incident.id, status=AlertStatus.draft)
    waiting = Alert(
        organisation_id=org.id, incident_id=incident.id, status=AlertStatus.awaiting_approval
    )
    session.add_all([alert, draft, waiting])
    session.flush()

    _resolve(session, vault, org, analyst, incident)
    assert schedule.active is False and schedule.stopped_at is not None
    assert alert.status == AlertStatus.resolved and alert.chain_due_at is None
    assert draft.status == AlertStatus.draft
    assert waiting.status == AlertStatus.cancelled  # never sent: cancelled, not resolved

    outcome = _close(session, vault, org, analyst, incident, message="Thank you; we closed it.")
    assert outcome.closed and incident.status == "closed"
    assert vault.reveal(incident.data_key_id, incident.closing_message_sealed) == (
        "Thank you; we closed it."
    )


def test_the_second_review_keeps_working_and_meets_the_same_checks(session, vault, settings):
    org, analyst, incident, schedule = _case(session, vault, settings)
    second = make_staff(session, org)
    _assess(session, vault, org, analyst, incident, "extreme", utcnow() - timedelta(hours=1))
    _resolve(session, vault, org, analyst, incident)
    # Resolving ended the schedule; a new one is started for the weeks before closing.
    schedule, _ = start_schedule(
        session,
        settings,
        org_id=org.id,
        incident_id=incident.id,
        every_hours=24,
        actor_user_id=analyst.user.id,
        now=utcnow() - timedelta(minutes=50),
    )
    assert not _close(session, vault, org, analyst, incident, message="Bye").closed
    assert schedule.active  # waiting for the review: still watched
    _check_in(session, settings, schedule, safe=False, at=utcnow() - timedelta(minutes=5))

    def review(approve: bool) -> None:
        review_case_closure(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            approve=approve,
            actor=_actor(second, org),
            override=NO,
            now=utcnow(),
        )

    with pytest.raises(ClosingBlocked):
        review(True)
    _check_in(session, settings, schedule, safe=True, at=utcnow() - timedelta(minutes=3))
    _assess(session, vault, org, analyst, incident, "extreme", utcnow() - timedelta(minutes=2))
    with pytest.raises(ClosingBlocked, match="needs me now"):  # the help call's inbox item
        review(True)
    _acknowledge_inbox(session, org, analyst)
    review(True)
    assert incident.status == "closed" and incident.closure_reviewed_by_id == second.user.id
    assert schedule.active is False


def test_refusing_the_review_drops_the_closing_message(session, vault, settings):
    org, analyst, incident, _schedule = _case(session, vault, settings)
    second = make_staff(session, org)
    _assess(session, vault, org, analyst, incident, "extraordinary", utcnow() - timedelta(hours=1))
    change_status(
        session,
        org_id=org.id,
        incident_id=incident.id,
        status="resolved",
        actor_user_id=analyst.user.id,
    )
    _close(session, vault, org, analyst, incident, message="We are done.")
    review_case_closure(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        approve=False,
        actor=_actor(second, org),
        override=NO,
        now=utcnow(),
    )
    assert incident.status == "resolved" and incident.closing_message_sealed is None


def test_an_unacknowledged_urgent_inbox_item_about_the_case_refuses_closing(
    session, vault, settings
):
    org, analyst, incident, _schedule = _case(session, vault, settings)
    other = make_incident(session, org, vault=vault, status="active")

    def raise_(kind, object_type, object_id, urgent):  # type: ignore[no-untyped-def]
        return raise_item(
            session,
            org_id=org.id,
            kind=kind,
            object_type=object_type,
            object_id=object_id,
            path=f"/staff/incidents/{object_id}/case",
            source_key=f"test:{kind}:{object_type}:{object_id}",
            urgent=urgent,
        )

    # Not urgent, or about another case: no blocker.
    raise_(InboxKind.closure_review, "incident", incident.id, False)
    raise_(InboxKind.missed_check_in, "incident", other.id, True)
    assert closing_blockers(session, incident=incident) == []

    item = raise_(InboxKind.missed_check_in, "incident", incident.id, True)
    with pytest.raises(ClosingBlocked, match="needs me now") as refused:
        _resolve(session, vault, org, analyst, incident)
    assert [b.code for b in refused.value.blockers] == ["urgent_inbox"]
    acknowledge_item(session, org_id=org.id, item_id=item.id, user_id=analyst.user.id, now=utcnow())
    assert closing_blockers(session, incident=incident) == []

    # An urgent item about one of the case's alerts counts too.
    alert = Alert(organisation_id=org.id, incident_id=incident.id, status=AlertStatus.draft)
    session.add(alert)
    session.flush()
    asked = raise_(InboxKind.information_request, "alert", alert.id, True)
    assert [b.code for b in closing_blockers(session, incident=incident)] == ["urgent_inbox"]
    acknowledge_item(
        session,
        org_id=org.id,
        item_id=asked.id,
        user_id=analyst.user.id,
        now=utcnow(),
    )

    # And one about a report the case came from (an urgent report, a reporter's message).
    report = _report(session, vault, org)
    raise_(InboxKind.reporter_message, "report", report.id, True)
    assert closing_blockers(session, incident=incident) == []  # not this case's report yet
    report.incident_id = incident.id
    session.flush()
    assert [b.code for b in closing_blockers(session, incident=incident)] == ["urgent_inbox"]


def test_one_persons_safe_check_in_never_covers_anothers_call_for_help(session, vault, settings):
    org, analyst, incident, case_schedule = _case(session, vault, settings)
    victim_id = case_victims(session, incident.id)[0][0]

    def start_for_defender():  # type: ignore[no-untyped-def]
        return start_schedule(
            session,
            settings,
            org_id=org.id,
            incident_id=incident.id,
            defender_id=victim_id,
            every_hours=24,
            actor_user_id=analyst.user.id,
            now=utcnow() - timedelta(hours=1),
        )[0]

    defender_schedule = start_for_defender()
    now = utcnow()
    _check_in(session, settings, defender_schedule, safe=False, at=now - timedelta(minutes=20))
    _check_in(session, settings, case_schedule, safe=True, at=now - timedelta(minutes=10))
    _acknowledge_inbox(session, org, analyst)
    assert [b.code for b in closing_blockers(session, incident=incident)] == ["help_call"]

    # A new schedule for the same defender replaces the old one: their safe answer counts.
    renewed = start_for_defender()
    assert defender_schedule.active is False
    _check_in(session, settings, renewed, safe=True, at=now - timedelta(minutes=5))
    assert closing_blockers(session, incident=incident) == []
