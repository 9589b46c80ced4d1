"""Drafts, publication, history and the current assessment; roles and tenancy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.diligence.policies.support import TODAY, actor, form, make_company, typed
from tests.factories import make_org
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Forbidden, NotFound
from vigil.diligence.policies import service
from vigil.diligence.policies.scoring import score_of
from vigil.diligence.policies.validation import AssessmentInvalid, CriterionInput

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def published(session, who, company, score: int, on: date, now: datetime = NOW):  # type: ignore[no-untyped-def]
    row = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(typed(score), on=on), today=TODAY
    )
    return service.publish_assessment(session, actor=who, assessment_id=row.id, now=now)


def test_history_keeps_every_assessment_and_current_is_the_latest_published(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Historia SA", "mining")
    who = actor(session)
    old = published(session, who, company, 0, date(2025, 1, 1))
    new = published(session, who, company, 2, date(2026, 1, 1))
    # Published later, but about an older reading of the policy: not current.
    late = published(session, who, company, 1, date(2025, 6, 1), NOW + timedelta(days=1))
    draft = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(typed(1), on=TODAY), today=TODAY
    )
    assert service.current_assessment(session, company_id=company.id) == new
    history = service.company_history(session, org_id=who.org_id, company_id=company.id)
    assert history == [draft, new, late, old]
    assert score_of(service.current_assessment(session, company_id=company.id)).points == 22


def test_a_company_with_only_a_draft_has_no_current_assessment(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Borrador SA", "mining")
    service.start_assessment(
        session, actor=actor(session), company_id=company.id, data=form(typed(2)), today=TODAY
    )
    assert service.current_assessment(session, company_id=company.id) is None
    assert service.current_assessments(session) == []


def test_publishing_needs_every_applicable_criterion_scored(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Incompleta SA", "technology")
    who = actor(session)
    criteria = typed(1, tech=True)
    del criteria["surveillance_sales"]
    row = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(criteria), today=TODAY
    )
    with pytest.raises(AssessmentInvalid) as raised:
        service.publish_assessment(session, actor=who, assessment_id=row.id, now=NOW)
    assert raised.value.problems == {
        "surveillance_sales.score": "Score this criterion before publishing."
    }
    assert row.state == "draft"


def test_a_draft_is_saved_again_but_a_published_assessment_is_frozen(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Congelada SA", "mining")
    who = actor(session)
    row = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(typed(0)), today=TODAY
    )
    service.save_assessment(
        session, actor=who, assessment_id=row.id, data=form(typed(1)), today=TODAY
    )
    assert score_of(row).points == 11
    service.publish_assessment(session, actor=who, assessment_id=row.id, now=NOW)
    with pytest.raises(Conflict):
        service.save_assessment(
            session, actor=who, assessment_id=row.id, data=form(typed(2)), today=TODAY
        )
    with pytest.raises(Conflict):
        service.publish_assessment(session, actor=who, assessment_id=row.id, now=NOW)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "policy_assessment")
    ).all()
    assert actions == [
        "policy_assessment.created",
        "policy_assessment.saved",
        "policy_assessment.published",
    ]


def test_a_refused_save_changes_nothing(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Intacta SA", "mining")
    who = actor(session)
    row = service.start_assessment(
        session, actor=who, company_id=company.id, data=form(typed(1)), today=TODAY
    )
    bad = typed(1)
    bad["remedy"] = CriterionInput("2", "", "")
    with pytest.raises(AssessmentInvalid):
        service.save_assessment(
            session, actor=who, assessment_id=row.id, data=form(bad), today=TODAY
        )
    assert score_of(row).points == 11


@pytest.mark.parametrize("role", ["analyst", "coordinator"])
def test_analysts_and_coordinators_publish(session, role: str) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, f"Rol {role}", "mining")
    row = published(session, actor(session, role=role), company, 1, TODAY)
    assert row.state == "published" and row.published_at == NOW


def test_an_auditor_reads_but_neither_drafts_nor_publishes(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    company = make_company(session, "Auditada SA", "mining")
    analyst, auditor = actor(session, org), actor(session, org, "auditor")
    with pytest.raises(Forbidden):
        service.start_assessment(
            session, actor=auditor, company_id=company.id, data=form(typed(1)), today=TODAY
        )
    row = service.start_assessment(
        session, actor=analyst, company_id=company.id, data=form(typed(1)), today=TODAY
    )
    with pytest.raises(Forbidden):
        service.save_assessment(
            session, actor=auditor, assessment_id=row.id, data=form(typed(2)), today=TODAY
        )
    with pytest.raises(Forbidden):
        service.publish_assessment(session, actor=auditor, assessment_id=row.id, now=NOW)
    assert service.get_assessment(session, org_id=org.id, assessment_id=row.id) == row


def test_a_draft_is_invisible_to_another_organisation(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Ajena SA", "mining")
    ours, theirs = actor(session), actor(session)
    draft = service.start_assessment(
        session, actor=ours, company_id=company.id, data=form(typed(1)), today=TODAY
    )
    with pytest.raises(NotFound):
        service.get_assessment(session, org_id=theirs.org_id, assessment_id=draft.id)
    with pytest.raises(NotFound):
        service.save_assessment(
            session, actor=theirs, assessment_id=draft.id, data=form(typed(2)), today=TODAY
        )
    with pytest.raises(NotFound):
        service.publish_assessment(session, actor=theirs, assessment_id=draft.id, now=NOW)
    assert service.company_history(session, org_id=theirs.org_id, company_id=company.id) == []
    service.publish_assessment(session, actor=ours, assessment_id=draft.id, now=NOW)
    # Published: public, so every organisation reads it (but still cannot change it).
    assert service.get_assessment(session, org_id=theirs.org_id, assessment_id=draft.id) == draft
    assert service.company_history(session, org_id=theirs.org_id, company_id=company.id) == [draft]


def test_a_missing_company_or_assessment_is_not_found(session) -> None:  # type: ignore[no-untyped-def]
    who = actor(session)
    with pytest.raises(NotFound):
        service.start_assessment(session, actor=who, company_id=2**31 - 1, data=form(), today=TODAY)
    with pytest.raises(NotFound):
        service.get_assessment(session, org_id=who.org_id, assessment_id=2**31 - 1)


def test_current_assessments_of_a_sector(session) -> None:  # type: ignore[no-untyped-def]
    who = actor(session)
    mine = make_company(session, "Mina Uno", "mining")
    both = make_company(session, "Mina y Tec", "mining", "technology")
    farm = make_company(session, "Finca Dos", "agribusiness")
    published(session, who, mine, 0, date(2025, 1, 1))
    current = published(session, who, mine, 1, date(2026, 1, 1))
    other = service.start_assessment(
        session, actor=who, company_id=both.id, data=form(typed(2, tech=True)), today=TODAY
    )
    service.publish_assessment(session, actor=who, assessment_id=other.id, now=NOW)
    farm_row = published(session, who, farm, 2, TODAY)
    in_mining = service.current_assessments(session, sector="mining")
    assert sorted(r.id for r in in_mining) == sorted([current.id, other.id])
    assert {r.id for r in service.current_assessments(session)} == {
        current.id,
        other.id,
        farm_row.id,
    }
    assert service.current_assessments(session, sector="tourism") == []
