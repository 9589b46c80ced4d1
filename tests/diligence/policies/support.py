"""Builders for the rubric's tests: companies with registry sectors, actors of each role,
and a complete criteria form."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_org, make_staff
from vigil.access import Actor
from vigil.companies.models import Company
from vigil.diligence.policies.criteria import applicable
from vigil.diligence.policies.validation import AssessmentInput, CriterionInput
from vigil.organisations.models import Organisation
from vigil.vocabularies.models import VocabularyTerm

TODAY = date(2026, 6, 1)
POLICY = "https://policy.example/hrd"


def make_company(session: Session, name: str = "Cobre Azul S.A.", *sectors: str) -> Company:
    terms = list(
        session.scalars(
            select(VocabularyTerm).where(
                VocabularyTerm.vocabulary == "sector", VocabularyTerm.code.in_(sectors)
            )
        )
    )
    company = Company(name=name, sectors=terms)
    session.add(company)
    session.flush()
    return company


def actor(session: Session, org: Organisation | None = None, role: str = "analyst") -> Actor:
    org = org or make_org(session)
    account = make_staff(session, org, role)
    return Actor(user_id=account.user.id, org_id=org.id, role=role)


def typed(
    score: int | str, *, tech: bool = False, excerpt: str = "We protect defenders."
) -> dict[str, CriterionInput]:
    """Every applicable criterion scored ``score``, with an excerpt and an evidence URL."""
    return {
        c.code: CriterionInput(str(score), excerpt, f"{POLICY}#{c.code}")
        for c in applicable(tech=tech)
    }


def form(
    criteria: dict[str, CriterionInput] | None = None,
    *,
    on: date = TODAY,
    tech: bool = False,
    url: str = POLICY,
) -> AssessmentInput:
    return AssessmentInput(
        policy_url=url, assessed_on=on.isoformat(), tech_applies=tech, criteria=criteria or {}
    )
