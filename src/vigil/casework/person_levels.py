"""Where each person at risk of a case stands now: their latest assessment. Kept apart from
``persons_at_risk`` so the case-level rules in ``service`` can read it without a cycle."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.casework.risk import highest_level
from vigil.casework.risk_models import PersonRiskAssessment


def latest_person_assessments(
    session: Session, *, incident_id: int
) -> dict[int, PersonRiskAssessment]:
    """Person id -> their newest assessment, for the persons of one case who have one."""
    newest = (
        select(func.max(PersonRiskAssessment.id))
        .where(PersonRiskAssessment.incident_id == incident_id)
        .group_by(PersonRiskAssessment.person_id)
    )
    rows = session.scalars(
        select(PersonRiskAssessment).where(PersonRiskAssessment.id.in_(newest))
    ).all()
    return {row.person_id: row for row in rows}


def person_bounds(session: Session, *, incident_id: int) -> tuple[str | None, date | None]:
    """The highest level and the earliest review among the case's persons at risk: a
    case-level assessment may not go below the one nor review after the other."""
    latest = latest_person_assessments(session, incident_id=incident_id).values()
    reviews = [row.review_on for row in latest]
    return highest_level([row.level for row in latest]), min(reviews) if reviews else None
