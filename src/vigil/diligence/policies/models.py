"""Tables of the HRD-policy rubric (prefix ``diligence_policy_``).

An assessment belongs to the organisation whose assessor wrote it (tenancy: a draft is seen
by nobody else) and is about a company of the shared registry. A published assessment is
never edited again: a new assessment is started instead, so the history shows what each
published score rested on. ``tech_applies`` is decided when the assessment is written (from
the company's sectors when the registry has them) and kept, so a later change of sector does
not change an old score.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow

MAX_URL = 1000
MAX_EXCERPT = 2000


class AssessmentState(StrEnum):
    draft = "draft"
    published = "published"


class PolicyAssessment(Base):
    __tablename__ = "diligence_policy_assessments"
    __table_args__ = (
        # "The current assessment of a company": its latest published one.
        Index("ix_diligence_policy_current", "company_id", "state", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    policy_url: Mapped[str] = mapped_column(String(MAX_URL), default="")
    assessed_on: Mapped[date]
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(12), default=AssessmentState.draft, index=True)
    tech_applies: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    scores: Mapped[list[PolicyCriterionScore]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        order_by="PolicyCriterionScore.id",
    )


class PolicyCriterionScore(Base):
    """One criterion of one assessment; a criterion not yet scored (a draft) has no row."""

    __tablename__ = "diligence_policy_scores"
    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion"),
        CheckConstraint("score IN (0, 1, 2)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("diligence_policy_assessments.id", ondelete="CASCADE"), index=True
    )
    #: A code of :data:`vigil.diligence.policies.criteria.CRITERIA`.
    criterion: Mapped[str] = mapped_column(String(40))
    score: Mapped[int]
    #: The policy's own words, quoted (required for a score above 0).
    excerpt: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(MAX_URL), default="")

    assessment: Mapped[PolicyAssessment] = relationship(back_populates="scores")
