"""Demo HRD-policy assessments, written through the rubric's own services.

Everything is fictional: the companies (one invented technology company is added here, so
the two technology criteria show once), their policies, the quoted words and the ``.example``
addresses. It shows each state once: a company with two published assessments (the later is
current), a technology company, and a draft that no public page shows. Idempotent: a
company already assessed by the organisation is skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access.roles import Actor, Role
from vigil.accounts.models import Membership, User
from vigil.companies.service import CompanyIn, get_company_by_key, upsert_company
from vigil.diligence.policies.models import PolicyAssessment
from vigil.diligence.policies.service import publish_assessment, start_assessment
from vigil.diligence.policies.validation import AssessmentInput, CriterionInput
from vigil.organisations.models import Organisation

TECH_COMPANY = CompanyIn(
    key="demo:ondaluz",
    name="Ondaluz Telecomunicaciones S.A.S.",
    legal_form="S.A.S.",
    jurisdiction="CO",
    sectors=["technology"],
)

#: A sentence of each fictional policy, by criterion (scores 1 and 2 quote it).
QUOTES = {
    "commitment": "We respect the work of human rights defenders and support their safety.",
    "zero_tolerance": "We have zero tolerance for threats or attacks against defenders.",
    "non_interference": "We will not obstruct peaceful protest, including through legal action.",
    "business_partners": "Our suppliers and security contractors must meet these commitments.",
    "engagement_channel": "Defenders may contact our human rights team confidentially.",
    "leverage": "Where defenders are at risk we will raise our concerns with the authorities.",
    "due_diligence": "Our impact assessments consider risks to community leaders.",
    "grievance_mechanism": "Anyone may use our grievance line, anonymously if they wish.",
    "remedy": "We will provide or cooperate in remedy where we caused or contributed to harm.",
    "public_reporting": "We report each year on how this policy was applied.",
    "senior_oversight": "The board's sustainability committee oversees this policy.",
    "transparency_reports": "We publish twice a year the government requests we receive.",
    "surveillance_sales": "We screen customers before selling lawful-interception products.",
}

# organisation slug, company key, policy address, assessed on, publish?, {criterion: score}
ASSESSMENTS: list[tuple[str, str, str, date, bool, dict[str, int]]] = [
    (
        "red-andina",
        "demo:northbridge",
        "https://northbridge-gold.example/human-rights",
        date(2025, 3, 10),
        True,
        {
            "commitment": 1,
            "zero_tolerance": 0,
            "non_interference": 0,
            "business_partners": 1,
            "engagement_channel": 0,
            "leverage": 0,
            "due_diligence": 1,
            "grievance_mechanism": 1,
            "remedy": 1,
            "public_reporting": 0,
            "senior_oversight": 1,
        },
    ),
    (
        "red-andina",
        "demo:northbridge",
        "https://northbridge-gold.example/defenders-policy",
        date(2026, 2, 16),
        True,
        {
            "commitment": 2,
            "zero_tolerance": 2,
            "non_interference": 1,
            "business_partners": 2,
            "engagement_channel": 1,
            "leverage": 1,
            "due_diligence": 1,
            "grievance_mechanism": 2,
            "remedy": 1,
            "public_reporting": 0,
            "senior_oversight": 1,
        },
    ),
    (
        "red-andina",
        "demo:minera-andina",
        "https://minera-andina.example/politica-ddhh",
        date(2026, 1, 20),
        True,
        {
            "commitment": 0,
            "zero_tolerance": 0,
            "non_interference": 0,
            "business_partners": 1,
            "engagement_channel": 0,
            "leverage": 0,
            "due_diligence": 0,
            "grievance_mechanism": 1,
            "remedy": 0,
            "public_reporting": 0,
            "senior_oversight": 0,
        },
    ),
    (
        "red-andina",
        "demo:ondaluz",
        "https://ondaluz.example/derechos-humanos",
        date(2026, 4, 2),
        True,
        {
            "commitment": 1,
            "zero_tolerance": 1,
            "non_interference": 1,
            "business_partners": 0,
            "engagement_channel": 1,
            "leverage": 0,
            "due_diligence": 1,
            "grievance_mechanism": 1,
            "remedy": 0,
            "public_reporting": 1,
            "senior_oversight": 2,
            "transparency_reports": 2,
            "surveillance_sales": 0,
        },
    ),
    (
        "mekong-watch",
        "demo:maplestone",
        "https://maplestone.example/community-policy",
        date(2026, 5, 5),
        False,
        {"commitment": 1, "zero_tolerance": 1, "business_partners": 1},
    ),
]


def _assessor(session: Session, organisation: Organisation) -> Actor | None:
    user = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == Role.analyst)
        .order_by(User.id)
    )
    return Actor(user.id, organisation.id, Role.analyst) if user else None


def _input(url: str, assessed_on: date, scores: dict[str, int]) -> AssessmentInput:
    return AssessmentInput(
        policy_url=url,
        assessed_on=assessed_on.isoformat(),
        criteria={
            code: CriterionInput(str(score), QUOTES[code] if score else "", f"{url}#{code}")
            for code, score in scores.items()
        },
    )


def load_policy_assessments(session: Session, *, today: date) -> int:
    """Write the demo assessments not yet there; returns how many were new."""
    upsert_company(session, data=TECH_COMPANY)
    done: set[tuple[int, int]] = {
        (row.organisation_id, row.company_id) for row in session.scalars(select(PolicyAssessment))
    }
    created = 0
    for slug, key, url, assessed_on, publish, scores in ASSESSMENTS:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        actor = _assessor(session, organisation) if organisation else None
        company = get_company_by_key(session, key=key)
        if actor is None or (actor.org_id, company.id) in done:
            continue
        row = start_assessment(
            session,
            actor=actor,
            company_id=company.id,
            data=_input(url, assessed_on, scores),
            today=today,
        )
        if publish:
            moment = datetime.combine(assessed_on, time(12), tzinfo=UTC)
            publish_assessment(session, actor=actor, assessment_id=row.id, now=moment)
        created += 1
    return created
