"""Each thing that needs someone now raises its inbox item where it happens: urgent reports,
reporters' messages, help calls and missed check-ins, recipients' responses and requests,
closures waiting for a second review, referral deadlines falling today."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from tests.alerts.recipient_support import link_for, make_alert_world
from tests.casework.test_casework import NEXT_WEEK, YES
from tests.factories import make_incident, make_org, make_staff
from tests.inbox.support import make_team
from vigil.alerts.recipient_actions import record_response
from vigil.casework.conversion import convert_report
from vigil.casework.referrals import add_referral, raise_referral_deadlines_today
from vigil.casework.service import assess_risk, change_status, request_closure
from vigil.checkins.service import raise_missed_check_ins, record_check_in, start_schedule
from vigil.core.db import utcnow
from vigil.inbox.models import InboxItem
from vigil.inbox.service import acknowledge_item
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.models import Author, Report, ReportStatus
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import add_message, file_report
from vigil.links.service import resolve_link
from vigil.worker import run_referral_deadlines_today_if_due

TODAY = date.today()


def _items(session, org) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(InboxItem).where(InboxItem.organisation_id == org.id).order_by(InboxItem.id)
        )
    )


def _file(session, vault, org, *, imminent: bool) -> Report:  # type: ignore[no-untyped-def]
    fields = {
        "country": "CO",
        "narrative": "Death threat after the hearing.",
        "attack_type": "death_threat",
        "target_kind": "person",
        "year": "2026",
    }
    if imminent:
        fields["imminent"] = "yes"
    form = parse_report_form(
        fields,
        codes=vocabulary_codes(session),
        organisations=set(receiving_organisations(session)),
    )
    return file_report(
        session,
        vault=vault,
        org_id=org.id,
        form=form,
        submission_id=secrets.token_hex(6),
        attachments=[],
        locale="es",
    ).report


def test_an_urgent_report_raises_an_urgent_item_and_an_ordinary_one_none(session, vault):
    org = make_org(session)
    _file(session, vault, org, imminent=False)
    assert _items(session, org) == []
    report = _file(session, vault, org, imminent=True)
    [item] = _items(session, org)
    assert (item.kind, item.object_type, item.object_id) == ("urgent_report", "report", report.id)
    assert item.urgent and item.path == f"/staff/reports/{report.id}"


def test_reporter_messages_raise_one_open_item_per_report_even_once_accepted(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _file(session, vault, org, imminent=False)
    add_message(session, vault=vault, report=report, author=Author.staff, body="Are you safe?")
    assert _items(session, org) == []  # our own messages need nobody
    report.status = ReportStatus.accepted
    add_message(session, vault=vault, report=report, author=Author.reporter, body="Yes, now.")
    add_message(session, vault=vault, report=report, author=Author.reporter, body="More news.")
    [item] = _items(session, org)
    assert item.kind == "reporter_message" and item.object_id == report.id
    assert item.path == f"/staff/reports/{report.id}#conversation" and not item.urgent
    acknowledge_item(session, org_id=org.id, item_id=item.id, user_id=analyst.user.id, now=utcnow())
    add_message(session, vault=vault, report=report, author=Author.reporter, body="They came back.")
    assert [i.kind for i in _items(session, org)] == ["reporter_message"] * 2


def test_help_calls_and_missed_check_ins_raise_urgent_items(session, vault, settings):
    team = make_team(session)
    incident = make_incident(session, team.org, vault=vault)
    now = utcnow()
    schedule, _ = start_schedule(
        session,
        settings,
        org_id=team.org.id,
        incident_id=incident.id,
        every_hours=24,
        grace_minutes=30,
        actor_user_id=team.on_duty.user.id,
        now=now,
    )
    record_check_in(session, settings, schedule=schedule, method="link", safe=False, now=now)
    [help_call] = _items(session, team.org)
    assert help_call.kind == "help_call" and help_call.urgent
    assert help_call.path == f"/staff/incidents/{incident.id}/alerts#check-ins"

    late = schedule.next_due_at + timedelta(minutes=31)
    assert raise_missed_check_ins(session, settings, now=late) == 1
    assert raise_missed_check_ins(session, settings, now=late) == 0
    kinds = [(i.kind, i.object_id, i.urgent) for i in _items(session, team.org)]
    assert kinds == [("help_call", incident.id, True), ("missed_check_in", incident.id, True)]


def test_recipient_responses_and_information_requests_raise_items(session, vault, settings):
    world = make_alert_world(session, vault)
    for purpose in ("request_info", "respond"):
        link = resolve_link(
            session, settings, link_for(session, settings, world, purpose), now=utcnow()
        )
        record_response(session, settings, vault, link=link, body="A question.", now=utcnow())
    items = _items(session, world.org)
    assert [i.kind for i in items] == ["information_request", "recipient_response"]
    assert {(i.object_type, i.object_id) for i in items} == {("alert", world.alert.id)}
    assert items[0].path == f"/staff/alerts/{world.alert.id}#responses"


def test_a_closure_waiting_for_a_second_review_raises_an_item(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_file(session, vault, org, imminent=False).id,
        inclusion=YES,
        title="Threat",
        actor_user_id=analyst.user.id,
    )
    assess_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        level="extreme",
        factors={"threat_source": "high", "visibility": "high"},
        reasons="Named on a list.",
        review_on=NEXT_WEEK,
        actor_user_id=analyst.user.id,
    )
    for status in ("active", "monitoring", "resolved"):
        change_status(
            session,
            org_id=org.id,
            incident_id=incident.id,
            status=status,
            actor_user_id=analyst.user.id,
        )
    outcome = request_closure(
        session,
        org_id=org.id,
        incident_id=incident.id,
        reason="risk_reduced",
        note="",
        actor_user_id=analyst.user.id,
    )
    assert not outcome.closed
    [item] = _items(session, org)
    assert item.kind == "closure_review" and item.object_id == incident.id
    assert item.path == f"/staff/incidents/{incident.id}/case#closure-review"


def test_referral_deadlines_falling_today_raise_one_item_each(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    due = {}
    for name, deadline in (("today", TODAY), ("tomorrow", TODAY + timedelta(days=1))):
        due[name] = add_referral(
            session,
            org_id=org.id,
            incident_id=incident.id,
            actor_user_id=analyst.user.id,
            body_name=f"Body {name}",
            body_kind="national_protection_mechanism",
            sent_on=TODAY - timedelta(days=20),
            deadline_on=deadline,
        )
    assert raise_referral_deadlines_today(session, today=TODAY) == 1
    assert raise_referral_deadlines_today(session, today=TODAY) == 0
    [item] = _items(session, org)
    assert item.kind == "referral_deadline" and item.object_id == incident.id
    assert item.path == f"/staff/incidents/{incident.id}/case#referrals"
    assert raise_referral_deadlines_today(session, today=TODAY + timedelta(days=1)) == 1


def test_the_worker_raises_todays_referral_deadlines_hourly(session, session_factory, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    add_referral(
        session,
        org_id=org.id,
        incident_id=incident.id,
        actor_user_id=analyst.user.id,
        body_name="Defensoría",
        body_kind="nhri",
        sent_on=TODAY - timedelta(days=20),
        deadline_on=TODAY,
    )
    session.commit()
    now = datetime.combine(TODAY, time(8, 0), tzinfo=UTC)
    assert run_referral_deadlines_today_if_due(session_factory, now)
    assert not run_referral_deadlines_today_if_due(session_factory, now + timedelta(minutes=59))
    session.expire_all()
    assert [i.kind for i in _items(session, org)] == ["referral_deadline"]
