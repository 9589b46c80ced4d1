"""The demo's fictional lawsuits: two proceedings by the Northbridge group in two countries,
published, the first judged by the demo coordinator; its hints show the group's other case."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from vigil.diligence.slapp import hints, screening
from vigil.diligence.slapp.models import Lawsuit
from vigil.diligence.slapp.register import slapp_cases_for


def test_demo_lawsuits(session, demo_data) -> None:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(Lawsuit).order_by(Lawsuit.case_number)).all()
    assert [r.case_number for r in rows] == ["DEMO-SLAPP-1", "DEMO-SLAPP-2"]
    first = rows[0]
    suggested = {
        h.indicator.value
        for h in hints.screening_hints(session, lawsuit=first, today=date(2026, 12, 1))
        if h.suggested
    }
    assert {"a", "b", "c", "d"} <= suggested
    assessment = screening.assess(session, lawsuit=first)
    assert (assessment.met, assessment.judged) == (3, 4)
    (case,) = slapp_cases_for(session, country="CO", sector="mining")
    assert case.claimant == "Minera Andina del Cauca S.A.S." and case.judgements["a"] == "met"
