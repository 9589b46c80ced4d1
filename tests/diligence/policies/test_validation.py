"""The criteria form's rules, each at its edge: 0/1/2 only, evidence for any score above 0,
web addresses only, an assessment date not in the future; and the database refuses a score
outside 0–2 even if a caller skipped the checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.diligence.policies.support import POLICY, TODAY, actor, form, make_company, typed
from vigil.diligence.policies.models import PolicyAssessment, PolicyCriterionScore
from vigil.diligence.policies.validation import (
    AssessmentInput,
    AssessmentInvalid,
    CriterionInput,
    clean_assessment,
)


def problems_of(data, **kwargs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(AssessmentInvalid) as raised:
        clean_assessment(data, tech=kwargs.get("tech", False), today=TODAY)
    return raised.value.problems


@pytest.mark.parametrize("score", ["0", "1", "2", " 2 "])
def test_scores_0_1_and_2_are_accepted(score: str) -> None:
    clean = clean_assessment(
        form({"remedy": CriterionInput(score, "We remedy.", "https://p.example")}),
        tech=False,
        today=TODAY,
    )
    assert clean.scores["remedy"].score == int(score)


@pytest.mark.parametrize("score", ["3", "-1", "1.5", "two", "01", "٢"])
def test_any_other_score_is_refused(score: str) -> None:
    data = form({"remedy": CriterionInput(score, "We remedy.", "https://p.example")})
    assert problems_of(data) == {"remedy.score": "A score is 0, 1 or 2."}


def test_a_score_above_0_needs_an_excerpt_and_its_address() -> None:
    data = form(
        {
            "remedy": CriterionInput("1", "", "https://p.example"),
            "leverage": CriterionInput("2", "We speak out.", ""),
            "commitment": CriterionInput("1", "   ", "  "),
        }
    )
    assert problems_of(data) == {
        "remedy.excerpt": "A score above 0 needs an excerpt quoted from the policy.",
        "leverage.evidence_url": "Give the web address (https://…).",
        "commitment.excerpt": "A score above 0 needs an excerpt quoted from the policy.",
        "commitment.evidence_url": "Give the web address (https://…).",
    }


def test_a_score_of_0_needs_no_evidence() -> None:
    clean = clean_assessment(form({"remedy": CriterionInput("0", "", "")}), tech=False, today=TODAY)
    assert clean.scores["remedy"].score == 0


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://p.example/x", "p.example", "https:// x"]
)
def test_evidence_and_policy_addresses_are_web_addresses(url: str) -> None:
    data = form({"remedy": CriterionInput("1", "We remedy.", url)}, url=url)
    found = problems_of(data)
    assert set(found) == {"policy_url", "remedy.evidence_url"}


def test_the_policy_address_is_required() -> None:
    assert problems_of(form(url="")) == {"policy_url": "Give the web address (https://…)."}


def test_the_assessment_date_is_today_at_the_latest() -> None:
    assert clean_assessment(form(on=TODAY), tech=False, today=TODAY).assessed_on == TODAY
    tomorrow = form(on=TODAY + timedelta(days=1))
    assert problems_of(tomorrow) == {"assessed_on": "The assessment date cannot be in the future."}
    garbled = AssessmentInput(policy_url=POLICY, assessed_on="07/12/2026")
    assert problems_of(garbled) == {"assessed_on": "Give the date of the assessment (YYYY-MM-DD)."}


def test_technology_answers_are_checked_only_when_they_apply() -> None:
    bad = {"surveillance_sales": CriterionInput("2", "", "")}
    assert clean_assessment(form(bad), tech=False, today=TODAY).scores == {}
    assert "surveillance_sales.excerpt" in problems_of(form(bad), tech=True)


def test_the_database_refuses_a_score_outside_0_to_2(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Directo SA", "mining")
    who = actor(session)
    row = PolicyAssessment(
        organisation_id=who.org_id, company_id=company.id, assessed_on=TODAY, policy_url="x"
    )
    session.add(row)
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(PolicyCriterionScore(assessment_id=row.id, criterion="remedy", score=3))
        session.flush()
    assert typed(2)  # the builder itself stays valid


def test_an_excerpt_is_at_most_2000_characters() -> None:
    fits = form({"remedy": CriterionInput("1", "x" * 2000, "https://p.example")})
    assert clean_assessment(fits, tech=False, today=TODAY).scores["remedy"].excerpt == "x" * 2000
    long = form({"remedy": CriterionInput("1", "x" * 2001, "https://p.example")})
    assert problems_of(long) == {"remedy.excerpt": "Quote at most 2,000 characters."}
