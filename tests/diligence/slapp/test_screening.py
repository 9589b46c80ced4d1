"""The analyst's judgements: recorded only by a writer's choice, the latest per indicator
counts, and the summary counts the four Art 4(3) indicators judged met. Hints, however many
fire, never set a judgement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.diligence.slapp.support import actor, make_defender, make_lawsuit
from tests.factories import make_org, make_staff
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.diligence.slapp import hints, screening
from vigil.diligence.slapp.models import IndicatorJudgement

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_hints_never_set_a_judgement(session, vault) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(
        session,
        org,
        defender=make_defender(session, vault, org),
        claim_amount="99999999",
        currency="EUR",
        postponements="5",
    )
    found = hints.screening_hints(session, lawsuit=row, today=date(2026, 12, 1))
    assert [h.indicator.value for h in found if h.suggested] == ["a", "d", "nexus"]
    assessment = screening.assess(session, lawsuit=row)
    assert (assessment.met, assessment.judged, assessment.current) == (0, 0, {})
    assert session.query(IndicatorJudgement).count() == 0


def test_judgements_latest_counts_and_summary(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org, "analyst").user
    row = make_lawsuit(session, org)
    who = actor(org, "analyst", analyst.id)
    for step, (indicator, judgement) in enumerate(
        [
            ("a", "met"),
            ("b", "met"),
            ("c", "unclear"),
            ("d", "met"),
            ("d", "not_met"),
            ("nexus", "met"),
        ]
    ):
        screening.record_judgement(
            session,
            actor=who,
            lawsuit_id=row.id,
            indicator=indicator,
            judgement=judgement,
            reasoning=f"Reason {step}",
            now=NOW + timedelta(minutes=step),
        )
    assessment = screening.assess(session, lawsuit=row)
    assert (assessment.met, assessment.judged, assessment.total) == (2, 4, 4)
    assert assessment.current["d"].judgement == "not_met"
    assert assessment.current["d"].judged_by == analyst.id
    assert assessment.last_judged_at == NOW + timedelta(minutes=4)  # nexus is not counted
    assert len(screening.judgement_history(session, lawsuit=row)) == 6


@pytest.mark.parametrize(
    ("indicator", "judgement", "reasoning"),
    [("e", "met", "x"), ("a", "yes", "x"), ("a", "met", "  "), ("a", "met", "x" * 5001)],
)
def test_a_judgement_needs_an_indicator_a_choice_and_reasons(
    session, indicator, judgement, reasoning
) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    with pytest.raises(Invalid):
        screening.record_judgement(
            session,
            actor=actor(org),
            lawsuit_id=row.id,
            indicator=indicator,
            judgement=judgement,
            reasoning=reasoning,
            now=NOW,
        )


def test_reasons_of_exactly_the_limit_are_kept(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = make_lawsuit(session, org)
    entry = screening.record_judgement(
        session,
        actor=actor(org),
        lawsuit_id=row.id,
        indicator="a",
        judgement="met",
        reasoning="x" * 5000,
        now=NOW,
    )
    assert len(entry.reasoning) == 5000


def test_auditors_and_other_organisations_cannot_judge(session) -> None:  # type: ignore[no-untyped-def]
    org, other = make_org(session), make_org(session)
    row = make_lawsuit(session, org)
    with pytest.raises(Forbidden):
        screening.record_judgement(
            session,
            actor=actor(org, "auditor"),
            lawsuit_id=row.id,
            indicator="a",
            judgement="met",
            reasoning="r",
            now=NOW,
        )
    with pytest.raises(NotFound):
        screening.record_judgement(
            session,
            actor=actor(other),
            lawsuit_id=row.id,
            indicator="a",
            judgement="met",
            reasoning="r",
            now=NOW,
        )
