"""The score: points over the maximum of the applicable criteria. The technology criteria
change the maximum (22 → 26), decided from the registry's sectors, else by the assessor."""

from __future__ import annotations

import pytest

from tests.diligence.policies.support import TODAY, actor, form, make_company, typed
from vigil.core.i18n import current_locale
from vigil.diligence.policies.criteria import CRITERIA, applicable, max_points
from vigil.diligence.policies.scoring import Score, score_of
from vigil.diligence.policies.service import start_assessment
from vigil.diligence.policies.validation import CriterionInput


def test_eleven_general_and_two_technology_criteria_with_stable_codes() -> None:
    assert len(applicable(tech=False)) == 11 and len(applicable(tech=True)) == 13
    assert max_points(tech=False) == 22 and max_points(tech=True) == 26
    assert [c.code for c in CRITERIA if c.tech_only] == [
        "transparency_reports",
        "surveillance_sales",
    ]
    assert len({c.code for c in CRITERIA}) == len(CRITERIA)


@pytest.mark.parametrize(
    ("points", "maximum", "text"),
    [
        (14, 22, "14 / 22 (64 %)"),
        (0, 22, "0 / 22 (0 %)"),
        (22, 22, "22 / 22 (100 %)"),
        (1, 8, "1 / 8 (13 %)"),  # 12.5 rounds half up
        (26, 26, "26 / 26 (100 %)"),
        (0, 0, "0 / 0 (0 %)"),
    ],
)
def test_score_text(points: int, maximum: int, text: str) -> None:
    assert Score(points, maximum).text() == text


def test_score_text_in_french() -> None:
    token = current_locale.set("fr")
    try:
        assert Score(14, 22).text() == "14 / 22 (64 %)"
    finally:
        current_locale.reset(token)


def test_a_technology_company_is_scored_on_26_points(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Red Digital", "technology")
    row = start_assessment(
        session,
        actor=actor(session),
        company_id=company.id,
        data=form(typed(1, tech=True)),
        today=TODAY,
    )
    assert row.tech_applies is True
    assert score_of(row) == Score(13, 26)


def test_other_sectors_ignore_technology_answers_and_the_checkbox(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Oro Verde", "mining")
    row = start_assessment(
        session,
        actor=actor(session),
        company_id=company.id,
        data=form(typed(2, tech=True), tech=True),
        today=TODAY,
    )
    assert row.tech_applies is False  # the registry's sector wins over the box
    assert {s.criterion for s in row.scores} == {c.code for c in applicable(tech=False)}
    assert score_of(row) == Score(22, 22)


@pytest.mark.parametrize(("box", "maximum"), [(True, 26), (False, 22)])
def test_without_a_sector_the_assessor_decides(session, box: bool, maximum: int) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Sin Sector Ltda")
    row = start_assessment(
        session,
        actor=actor(session),
        company_id=company.id,
        data=form(typed(0, tech=True), tech=box),
        today=TODAY,
    )
    assert row.tech_applies is box
    assert score_of(row).maximum == maximum


def test_unscored_criteria_still_count_in_the_maximum(session) -> None:  # type: ignore[no-untyped-def]
    company = make_company(session, "Parcial SA", "mining")
    criteria = {"commitment": CriterionInput("2", "We support defenders.", "https://a.example")}
    row = start_assessment(
        session, actor=actor(session), company_id=company.id, data=form(criteria), today=TODAY
    )
    assert score_of(row).text() == "2 / 22 (9 %)"
