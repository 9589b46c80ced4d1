"""Drafting, publishing and reading HRD-policy assessments.

Rules:

- analysts and coordinators write and publish (auditors read); asked here, not only by the
  page, so no other caller can skip it;
- a draft belongs to its organisation: another organisation gets ``NotFound`` for it, as for
  a missing id; a published assessment is public, so any organisation may read it;
- only a draft is changed; publishing needs every applicable criterion scored, and freezes
  the assessment (a re-assessment is a new one, so the history stays true);
- a company's *current* assessment is its latest published one, by assessment date (then
  publication time), whichever organisation wrote it.

Every change is audited with ids, states and the score only (the evidence is public text,
but the log need not hold it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.access import Actor, may_write
from vigil.companies.models import Company, company_sectors
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Forbidden, NotFound
from vigil.core.i18n import N_
from vigil.diligence.policies.criteria import TECH_SECTOR, applicable
from vigil.diligence.policies.models import (
    AssessmentState,
    PolicyAssessment,
    PolicyCriterionScore,
)
from vigil.diligence.policies.scoring import score_of
from vigil.diligence.policies.validation import (
    AssessmentInput,
    AssessmentInvalid,
    CleanAssessment,
    clean_assessment,
)
from vigil.vocabularies.models import VocabularyTerm

MISSING = N_("No such policy assessment.")
NEWEST_FIRST = (
    PolicyAssessment.assessed_on.desc(),
    PolicyAssessment.published_at.desc(),
    PolicyAssessment.id.desc(),
)


def require_assessor(actor: Actor) -> None:
    if not may_write(actor):
        raise Forbidden(N_("Only analysts and coordinators can assess or publish."))


def tech_from_sectors(company: Company) -> bool | None:
    """Whether the technology criteria apply, from the registry's sectors; None when the
    company has no sector recorded (then the assessor says)."""
    codes = {term.code for term in company.sectors}
    return TECH_SECTOR in codes if codes else None


def _company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id) if 0 < company_id < 2**31 else None
    if company is None:
        raise NotFound(N_("No such company."))
    return company


def _audit(session: Session, row: PolicyAssessment, action: str, actor: Actor) -> None:
    score = score_of(row)
    record_event(
        session,
        action=f"policy_assessment.{action}",
        organisation_id=row.organisation_id,
        actor_user_id=actor.user_id,
        object_type="policy_assessment",
        object_id=row.id,
        detail={"company": row.company_id, "points": score.points, "maximum": score.maximum},
    )


def _apply(row: PolicyAssessment, clean: CleanAssessment) -> None:
    row.policy_url = clean.policy_url
    row.assessed_on = clean.assessed_on
    existing = {score.criterion: score for score in row.scores}
    kept = []
    for code, typed in clean.scores.items():
        score = existing.get(code) or PolicyCriterionScore(criterion=code, score=typed.score)
        score.score, score.excerpt = typed.score, typed.excerpt
        score.evidence_url = typed.evidence_url
        kept.append(score)
    row.scores = kept


def start_assessment(
    session: Session, *, actor: Actor, company_id: int, data: AssessmentInput, today: date
) -> PolicyAssessment:
    """A new draft by the actor, of the actor's organisation."""
    require_assessor(actor)
    company = _company(session, company_id)
    decided = tech_from_sectors(company)
    tech = data.tech_applies if decided is None else decided
    clean = clean_assessment(data, tech=tech, today=today)
    row = PolicyAssessment(
        organisation_id=actor.org_id,
        company_id=company.id,
        assessor_id=actor.user_id,
        tech_applies=tech,
        assessed_on=clean.assessed_on,
        state=AssessmentState.draft,
    )
    _apply(row, clean)
    session.add(row)
    session.flush()
    _audit(session, row, "created", actor)
    return row


def get_assessment(session: Session, *, org_id: int, assessment_id: int) -> PolicyAssessment:
    """Any assessment of the organisation, or another's once published."""
    row = session.get(PolicyAssessment, assessment_id) if 0 < assessment_id < 2**31 else None
    if row is None or (row.organisation_id != org_id and row.state != AssessmentState.published):
        raise NotFound(MISSING)
    return row


def _own_draft(session: Session, actor: Actor, assessment_id: int) -> PolicyAssessment:
    row = get_assessment(session, org_id=actor.org_id, assessment_id=assessment_id)
    if row.organisation_id != actor.org_id:
        raise NotFound(MISSING)
    if row.state != AssessmentState.draft:
        raise Conflict(N_("A published assessment is not changed: start a new one."))
    return row


def save_assessment(
    session: Session, *, actor: Actor, assessment_id: int, data: AssessmentInput, today: date
) -> PolicyAssessment:
    """Replace a draft's fields and scores with ``data``. The technology criteria follow the
    company's sectors when it has some, else the assessor's answer."""
    require_assessor(actor)
    row = _own_draft(session, actor, assessment_id)
    decided = tech_from_sectors(_company(session, row.company_id))
    tech = data.tech_applies if decided is None else decided
    clean = clean_assessment(data, tech=tech, today=today)
    row.tech_applies = tech
    row.assessor_id = actor.user_id
    _apply(row, clean)
    session.flush()
    _audit(session, row, "saved", actor)
    return row


def publish_assessment(
    session: Session, *, actor: Actor, assessment_id: int, now: datetime
) -> PolicyAssessment:
    """Publish a complete draft: it becomes the company's current assessment unless a
    published one has a later assessment date."""
    require_assessor(actor)
    row = _own_draft(session, actor, assessment_id)
    scored = {score.criterion for score in row.scores}
    gaps = [c.code for c in applicable(tech=row.tech_applies) if c.code not in scored]
    if gaps:
        raise AssessmentInvalid(
            {f"{code}.score": N_("Score this criterion before publishing.") for code in gaps}
        )
    row.state = AssessmentState.published
    row.published_at = now
    session.flush()
    _audit(session, row, "published", actor)
    return row


def company_history(session: Session, *, org_id: int, company_id: int) -> list[PolicyAssessment]:
    """Every assessment of the company the organisation may read (its own, any state; the
    others' published ones), newest first."""
    query = select(PolicyAssessment).where(
        PolicyAssessment.company_id == company_id,
        (PolicyAssessment.organisation_id == org_id)
        | (PolicyAssessment.state == AssessmentState.published),
    )
    return list(session.scalars(query.order_by(*NEWEST_FIRST)))


def current_assessment(session: Session, *, company_id: int) -> PolicyAssessment | None:
    query = select(PolicyAssessment).where(
        PolicyAssessment.company_id == company_id,
        PolicyAssessment.state == AssessmentState.published,
    )
    return session.scalars(query.order_by(*NEWEST_FIRST).limit(1)).first()


def _latest_per_company(rows: Iterable[PolicyAssessment]) -> list[PolicyAssessment]:
    seen: dict[int, PolicyAssessment] = {}
    for row in rows:  # newest first: the first of each company is its current one
        seen.setdefault(row.company_id, row)
    return list(seen.values())


def current_assessments(session: Session, *, sector: str | None = None) -> list[PolicyAssessment]:
    """The current assessment of every assessed company (of ``sector`` when given: a sector
    code of the registry)."""
    query = (
        select(PolicyAssessment)
        .where(PolicyAssessment.state == AssessmentState.published)
        .options(selectinload(PolicyAssessment.scores))
    )
    if sector is not None:
        in_sector = (
            select(company_sectors.c.company_id)
            .join(VocabularyTerm, VocabularyTerm.id == company_sectors.c.term_id)
            .where(VocabularyTerm.vocabulary == "sector", VocabularyTerm.code == sector)
        )
        query = query.where(PolicyAssessment.company_id.in_(in_sector))
    return _latest_per_company(session.scalars(query.order_by(*NEWEST_FIRST)))
