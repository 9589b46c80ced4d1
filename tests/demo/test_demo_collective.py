"""The demo's collective action and grievance mechanisms: a fictional roundtable covering the
Colombian mining cases, published, with demo members and an intervention, and a fictional
company grievance line rated on all eight UNGP 31 criteria; loading again adds nothing."""

from __future__ import annotations

from sqlalchemy import select

from vigil.core.db import utcnow
from vigil.demo.collective import INITIATIVE, MECHANISM, load_collective
from vigil.diligence.collective.directory import initiatives_covering
from vigil.diligence.grievance.register import mechanisms_for
from vigil.organisations.models import Organisation


def test_demo_initiative_and_mechanism(session, demo_data) -> None:  # type: ignore[no-untyped-def]
    (initiative,) = [
        i
        for i in initiatives_covering(session, country="CO", sector="mining")
        if i.name == INITIATIVE
    ]
    assert {m.role for m in initiative.members} == {"Member company", "Observer"}
    assert initiative.interventions[0].country == "CO"
    (line,) = [
        m for m in mechanisms_for(session, country="CO", sector="mining") if m.name == MECHANISM
    ]
    assert line.assessment is not None and len(line.assessment.ratings) == 8
    assert line.statistics[0].received == 48
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    assert load_collective(session, org_id=org.id, today=utcnow().date()) == 0
