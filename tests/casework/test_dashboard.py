"""The dashboard and the daily monitoring rules (risk reviews, stale cases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.casework.test_casework import NEXT_WEEK, YES, _report
from tests.factories import make_org, make_staff, sign_in
from vigil.casework.conversion import convert_report
from vigil.casework.dashboard import durations
from vigil.casework.models import CaseTask, RiskAssessment
from vigil.casework.monitoring import run_case_monitoring
from vigil.casework.service import assess_risk, assign_case, change_status
from vigil.core.db import utcnow
from vigil.outbox.staff_email_models import OutboundEmail


def _case(session, vault, org, analyst, level="extreme"):  # type: ignore[no-untyped-def]
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title=f"Case {level}",
        actor_user_id=analyst.user.id,
    )
    assess_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        level=level,
        factors={},
        reasons="",
        review_on=NEXT_WEEK,
        actor_user_id=analyst.user.id,
    )
    return incident


def test_durations_median_and_90th_percentile():
    hours = [timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    summary = durations(hours)
    assert (summary.count, summary.median_hours, summary.p90_hours) == (10, 5.5, 9.1)
    assert durations([]).median_hours is None


def test_dashboard_counts_and_overdue_lists(session, vault, client):
    org, other = make_org(session), make_org(session)
    analyst = make_staff(session, org, role="coordinator")
    extreme = _case(session, vault, org, analyst, "extreme")
    _case(session, vault, org, analyst, "ordinary")
    _case(session, vault, other, make_staff(session, other), "extreme")
    session.get(
        RiskAssessment,
        session.scalar(select(RiskAssessment.id).where(RiskAssessment.incident_id == extreme.id)),
    ).review_on = utcnow().date() - timedelta(days=1)
    session.commit()
    sign_in(client, analyst)
    page = client.get("/staff/dashboard").text
    assert "Extreme risk" in page and "Ordinary risk" in page
    assert page.count('class="bar bar-extreme"') == 1
    assert 'id="speed"' in page and "Time to first action on a case" in page
    assert "Case extreme" in page.split('id="overdue-reviews"')[1].split("</ul>")[0]
    assert "<script" not in page.split("<main")[1]


def test_dashboard_lists_reports_past_their_triage_target(session, vault, client):
    org = make_org(session)
    coordinator = make_staff(session, org, role="coordinator")
    late = _report(session, vault, org)
    late.received_at = utcnow() - timedelta(days=4)
    fresh = _report(session, vault, org)
    session.commit()
    sign_in(client, coordinator)
    listed = client.get("/staff/dashboard").text.split('id="overdue-reports"')[1]
    listed = listed.split("</ul>")[0]
    assert f"/staff/reports/{late.id}" in listed and f"/staff/reports/{fresh.id}" not in listed


def test_monitoring_raises_review_and_stale_tasks_once_and_escalates(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    coordinator = make_staff(session, org, role="coordinator")
    incident = _case(session, vault, org, analyst)
    change_status(
        session,
        org_id=org.id,
        incident_id=incident.id,
        status="active",
        actor_user_id=analyst.user.id,
    )
    assign_case(
        session,
        org_id=org.id,
        incident_id=incident.id,
        assignee_id=analyst.user.id,
        actor_user_id=analyst.user.id,
    )
    incident.last_action_at = utcnow() - timedelta(days=30)
    session.flush()
    later = utcnow() + timedelta(days=8)  # past the review date too
    result = run_case_monitoring(
        session, now=later, stale_after=timedelta(days=14), base_url="https://vigil.test"
    )
    assert (result.review_tasks, result.stale_tasks, result.coordinator_alerts) == (1, 1, 1)
    again = run_case_monitoring(
        session, now=later, stale_after=timedelta(days=14), base_url="https://vigil.test"
    )
    assert (again.review_tasks, again.stale_tasks, again.coordinator_alerts) == (0, 0, 0)
    origins = sorted(t.origin for t in session.scalars(select(CaseTask)))
    assert origins == ["risk_review", "stale_case", "stale_case"]
    mails = [e.to_address for e in session.scalars(select(OutboundEmail))]
    assert analyst.user.email in mails and coordinator.user.email in mails
    # Still nothing done a stale period later: everyone is reminded again, until resolution.
    next_period = run_case_monitoring(
        session,
        now=later + timedelta(days=14),
        stale_after=timedelta(days=14),
        base_url="https://vigil.test",
    )
    assert (next_period.stale_tasks, next_period.coordinator_alerts) == (1, 1)
    change_status(
        session,
        org_id=org.id,
        incident_id=incident.id,
        status="resolved",
        actor_user_id=analyst.user.id,
    )
    incident.last_action_at = utcnow() - timedelta(days=60)
    session.flush()
    resolved = run_case_monitoring(
        session,
        now=later + timedelta(days=28),
        stale_after=timedelta(days=14),
        base_url="https://vigil.test",
    )
    assert (resolved.stale_tasks, resolved.coordinator_alerts) == (0, 0)
