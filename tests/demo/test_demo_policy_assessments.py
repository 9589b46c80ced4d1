"""The demo's HRD-policy assessments: a history with a current one, a technology company
scored on 26 points, a draft that no public page shows; loading again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from vigil.companies.service import get_company_by_key
from vigil.core.db import utcnow
from vigil.demo.policy_assessments import load_policy_assessments
from vigil.diligence.policies.models import PolicyAssessment
from vigil.diligence.policies.scoring import score_of
from vigil.diligence.policies.service import current_assessment


def test_the_demo_assessments(session, client, demo_data) -> None:  # type: ignore[no-untyped-def]
    northbridge = get_company_by_key(session, key="demo:northbridge")
    history = session.scalars(
        select(PolicyAssessment).where(PolicyAssessment.company_id == northbridge.id)
    ).all()
    assert len(history) == 2
    current = current_assessment(session, company_id=northbridge.id)
    assert current is not None and current.assessed_on.year == 2026
    tech = current_assessment(
        session, company_id=get_company_by_key(session, key="demo:ondaluz").id
    )
    assert tech is not None and score_of(tech).maximum == 26
    maplestone = get_company_by_key(session, key="demo:maplestone")
    assert current_assessment(session, company_id=maplestone.id) is None
    page = client.get("/sectors/mining/policies").text
    assert "Northbridge Gold plc" in page and "Maplestone Resources" not in page
    assert "Ondaluz" in client.get("/data/policies.csv").text

    count = session.scalar(select(func.count(PolicyAssessment.id)))
    assert load_policy_assessments(session, today=utcnow().date()) == 0
    assert session.scalar(select(func.count(PolicyAssessment.id))) == count
