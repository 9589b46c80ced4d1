"""Carrying a case from report to documented closure, on both databases."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_org, make_staff
from vigil.casework.conversion import InclusionAnswers, convert_report
from vigil.casework.models import InclusionCheck
from vigil.casework.service import (
    add_note,
    assess_risk,
    assign_case,
    change_status,
    latest_assessment,
    request_closure,
    review_closure,
)
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.defenders.service import reveal_name
from vigil.incidents.service import reveal_incident
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import file_report

YES = InclusionAnswers(
    is_defender=True,
    business_link=True,
    has_source=True,
    reasons="Peaceful land defence near the mine; direct report.",
)
NEXT_WEEK = date.today() + timedelta(days=7)


def _report(session, vault, org, name="Tomasa Planted"):  # type: ignore[no-untyped-def]
    form = parse_report_form(
        {
            "country": "CO",
            "region": "Cauca",
            "narrative": "Death threat after the hearing.",
            "attack_type": "death_threat",
            "defender_name": name,
            "target_kind": "person",
            "defender_type": "community_leader",
            "place": "Vereda X",
            "year": "2026",
        },
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


def test_report_becomes_a_verified_incident_with_its_inclusion_check(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="Death threat, Cauca",
        actor_user_id=analyst.user.id,
    )
    assert incident is not None and incident.status == "verified"
    assert report.status == "accepted" and report.incident_id == incident.id
    assert reveal_incident(vault, incident).summary == "Death threat after the hearing."
    assert reveal_incident(vault, incident).place == "Vereda X"
    victim = incident.acts[0].victim
    assert reveal_name(vault, victim) == "Tomasa Planted"
    check = session.scalars(select(InclusionCheck)).one()
    assert check.included and check.incident_id == incident.id
    with pytest.raises(Conflict):
        convert_report(
            session,
            vault=vault,
            org_id=org.id,
            report_id=report.id,
            inclusion=YES,
            title="again",
            actor_user_id=analyst.user.id,
        )


def test_failed_inclusion_rejects_the_report_and_keeps_the_reason(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    no_link = InclusionAnswers(
        is_defender=True,
        business_link=False,
        has_source=True,
        reasons="A family dispute, no business link.",
    )
    assert (
        convert_report(
            session,
            vault=vault,
            org_id=org.id,
            report_id=report.id,
            inclusion=no_link,
            title="x",
            actor_user_id=analyst.user.id,
        )
        is None
    )
    assert report.status == "rejected"
    assert report.rejection_reason == "A family dispute, no business link."
    assert not session.scalars(select(InclusionCheck)).one().included


def test_other_organisations_reports_and_cases_are_not_found(session, vault):
    org, other = make_org(session), make_org(session)
    intruder = make_staff(session, other)
    report = _report(session, vault, org)
    with pytest.raises(NotFound):
        convert_report(
            session,
            vault=vault,
            org_id=other.id,
            report_id=report.id,
            inclusion=YES,
            title="x",
            actor_user_id=intruder.user.id,
        )
    analyst = make_staff(session, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        inclusion=YES,
        title="t",
        actor_user_id=analyst.user.id,
    )
    with pytest.raises(NotFound):
        change_status(
            session,
            org_id=other.id,
            incident_id=incident.id,
            status="active",
            actor_user_id=intruder.user.id,
        )
    with pytest.raises(NotFound):
        assign_case(
            session,
            org_id=org.id,
            incident_id=incident.id,
            assignee_id=intruder.user.id,
            actor_user_id=analyst.user.id,
        )


def test_high_risk_case_needs_a_second_analyst_to_close_and_a_new_threat_reopens_it(session, vault):
    org = make_org(session)
    first, second = make_staff(session, org), make_staff(session, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title="Threat",
        actor_user_id=first.user.id,
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
        actor_user_id=first.user.id,
    )
    assert latest_assessment(session, incident_id=incident.id).level == "extreme"
    with pytest.raises(Conflict):
        request_closure(
            session,
            org_id=org.id,
            incident_id=incident.id,
            reason="risk_reduced",
            note="",
            actor_user_id=first.user.id,
        )
    for status in ("active", "monitoring", "resolved"):
        change_status(
            session,
            org_id=org.id,
            incident_id=incident.id,
            status=status,
            actor_user_id=first.user.id,
        )
    with pytest.raises(Invalid):
        request_closure(
            session,
            org_id=org.id,
            incident_id=incident.id,
            reason="other",
            note="",
            actor_user_id=first.user.id,
        )
    outcome = request_closure(
        session,
        org_id=org.id,
        incident_id=incident.id,
        reason="risk_reduced",
        note="",
        actor_user_id=first.user.id,
    )
    assert not outcome.closed and incident.status == "resolved"
    with pytest.raises(Forbidden):
        review_closure(
            session,
            org_id=org.id,
            incident_id=incident.id,
            approve=True,
            actor_user_id=first.user.id,
        )
    review_closure(
        session, org_id=org.id, incident_id=incident.id, approve=True, actor_user_id=second.user.id
    )
    assert incident.status == "closed" and incident.closure_reviewed_by_id == second.user.id

    # A month later a new threat against the same defender (same name) reopens the case.
    convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org, name="tomasa  planted").id,
        inclusion=YES,
        title="New threat",
        actor_user_id=second.user.id,
    )
    assert incident.status == "active"
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {
        "incident.closure_requested",
        "incident.closure_reviewed",
        "incident.reopened",
        "incident.risk_assessed",
    } <= actions


def test_ordinary_risk_case_closes_at_once_with_a_reason(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title="t",
        actor_user_id=analyst.user.id,
    )
    assess_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        level="ordinary",
        factors={},
        reasons="",
        review_on=NEXT_WEEK,
        actor_user_id=analyst.user.id,
    )
    with pytest.raises(Conflict):
        change_status(
            session,
            org_id=org.id,
            incident_id=incident.id,
            status="closed",
            actor_user_id=analyst.user.id,
        )
    for status in ("active", "resolved"):
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
        reason="threat_stopped",
        note="",
        actor_user_id=analyst.user.id,
    )
    assert outcome.closed and incident.closure_reason == "threat_stopped"


def test_risk_assessment_rules_and_notes(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title="t",
        actor_user_id=analyst.user.id,
    )
    with pytest.raises(Invalid):
        assess_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            level="apocalyptic",
            factors={},
            reasons="",
            review_on=NEXT_WEEK,
            actor_user_id=analyst.user.id,
        )
    with pytest.raises(Invalid):
        assess_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            level="extreme",
            factors={"visibility": "huge"},
            reasons="",
            review_on=NEXT_WEEK,
            actor_user_id=analyst.user.id,
        )
    with pytest.raises(Invalid):
        assess_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            level="extreme",
            factors={},
            reasons="",
            review_on=date.today(),
            actor_user_id=analyst.user.id,
        )
    note = add_note(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        body="Called the defender; safe tonight.",
        actor_user_id=analyst.user.id,
    )
    assert b"safe tonight" not in note.body_sealed
    assign_case(
        session,
        org_id=org.id,
        incident_id=incident.id,
        assignee_id=analyst.user.id,
        actor_user_id=analyst.user.id,
    )
    assert incident.assignee_id == analyst.user.id


def test_duplicates_merge_keeping_both_histories(session, vault):
    from vigil.casework.service import add_note, duplicates_of, mark_duplicate

    org = make_org(session)
    analyst = make_staff(session, org)
    first = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org, name="Ana A").id,
        inclusion=YES,
        title="First",
        actor_user_id=analyst.user.id,
    )
    second = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org, name="Ana B").id,
        inclusion=YES,
        title="Second",
        actor_user_id=analyst.user.id,
    )
    add_note(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=second.id,
        body="kept",
        actor_user_id=analyst.user.id,
    )
    with pytest.raises(Conflict):
        change_status(
            session,
            org_id=org.id,
            incident_id=second.id,
            status="duplicate",
            actor_user_id=analyst.user.id,
        )
    mark_duplicate(
        session,
        org_id=org.id,
        incident_id=second.id,
        duplicate_of_id=first.id,
        actor_user_id=analyst.user.id,
    )
    assert second.status == "duplicate" and second.duplicate_of_id == first.id
    assert [d.id for d in duplicates_of(session, incident_id=first.id)] == [second.id]
    with pytest.raises(Invalid):
        mark_duplicate(
            session,
            org_id=org.id,
            incident_id=first.id,
            duplicate_of_id=second.id,
            actor_user_id=analyst.user.id,
        )


def test_a_new_incident_prompts_re_assessment_of_the_defenders_other_cases(session, vault):
    from vigil.casework.models import CaseTask

    org = make_org(session)
    analyst = make_staff(session, org)
    first = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title="First",
        actor_user_id=analyst.user.id,
    )
    convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title="Second",
        actor_user_id=analyst.user.id,
    )
    tasks = session.scalars(select(CaseTask).where(CaseTask.incident_id == first.id)).all()
    assert [t.origin for t in tasks] == ["risk_review"]
    assert "Re-assess the risk" in tasks[0].title


@pytest.mark.parametrize(
    ("level", "needs_second_analyst"),
    [("ordinary", False), ("extraordinary", True), ("extreme", True)],
)
def test_closure_needs_a_second_analyst_exactly_for_high_risk_levels(
    session, vault, level, needs_second_analyst
):
    """Every level of the scale: a wrongly drawn line (e.g. only "extreme") fails here."""
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = resolved_case(session, vault, org, analyst, level=level)
    outcome = request_closure(
        session,
        org_id=org.id,
        incident_id=incident.id,
        reason="threat_stopped",
        note="",
        actor_user_id=analyst.user.id,
    )
    assert outcome.closed is not needs_second_analyst
    assert incident.status == ("resolved" if needs_second_analyst else "closed")


def resolved_case(session, vault, org, analyst, *, level: str | None = None):  # type: ignore[no-untyped-def]
    """A verified case moved to resolved, with a risk assessment at ``level`` if given."""
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=_report(session, vault, org).id,
        inclusion=YES,
        title="t",
        actor_user_id=analyst.user.id,
    )
    if level is not None:
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
    for status in ("active", "resolved"):
        change_status(
            session,
            org_id=org.id,
            incident_id=incident.id,
            status=status,
            actor_user_id=analyst.user.id,
        )
    return incident
