"""Grievance mechanisms in the service layer (SQLite and PostgreSQL): what a mechanism is
checked for (owner, ISO 639 languages, channels, scope), statistics by year with their limits,
assessments that must rate all eight UNGP 31 criteria with evidence, and what is read outside
the organisation: published mechanisms only, by country (and sector) scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.diligence.grievance.support import COMPLETE, mechanism_input
from tests.factories import make_org
from vigil.access import Actor
from vigil.core.audit import AuditEvent
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.diligence.grievance import service
from vigil.diligence.grievance.criteria import CRITERIA
from vigil.diligence.grievance.register import (
    mechanisms_for,
    published_mechanism,
    published_mechanisms,
)
from vigil.diligence.grievance.service import CriterionInput, StatisticInput


def _make(session, org, **changes):  # type: ignore[no-untyped-def]
    return service.create_mechanism(
        session, org_id=org.id, data=mechanism_input(**changes), actor_user_id=None
    )


def _publish(session, org, row, published: bool = True) -> None:  # type: ignore[no-untyped-def]
    service.set_mechanism_published(
        session, actor=Actor(1, org.id, "coordinator"), mechanism_id=row.id, published=published
    )


def test_a_mechanism_is_recorded_with_its_languages_and_channels(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = _make(session, org, channels=("hotline", "email"))
    assert row.languages == "es quc en"
    assert row.channels == "email hotline"  # in the list's order
    assert service.mechanism_scope(session, row.id) == (["CO"], ["mining"])


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"kind": "ombudsman"},
        {"owner_institution": ""},
        {"languages": "spanish"},
        {"languages": "xx"},
        {"channels": ("pigeon",)},
        {"countries": "Colombia"},
        {"sectors": ("gold",)},
        {"website": "ftp://example.org"},
        {"procedures": "p" * 20_001},
    ],
)
def test_refused_input(session, changes) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    with pytest.raises(Invalid):
        _make(session, org, **changes)


def test_statistics_by_year_and_their_limits(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = _make(session, org)
    args = {"org_id": org.id, "mechanism_id": row.id, "actor_user_id": None, "this_year": 2026}
    full = StatisticInput(2025, 40, 30, 20, 20, 95, "https://example.org/report-2025")
    service.record_statistic(session, data=full, **args)
    # Recording the same year replaces it; unknown counts stay empty.
    service.record_statistic(
        session, data=StatisticInput(2025, 41, None, None, None, None, full.source_url), **args
    )
    (stat,) = service.statistics(session, mechanism_id=row.id)
    assert (stat.received, stat.admissible, stat.median_days) == (41, None, None)
    service.record_statistic(
        session, data=StatisticInput(2026, 0, 0, 0, 0, 0, full.source_url), **args
    )
    service.record_statistic(
        session, data=StatisticInput(1990, 5, 5, 5, 5, 1, full.source_url), **args
    )
    for bad in (
        StatisticInput(2027, 1, 1, 1, 1, 1, full.source_url),
        StatisticInput(1989, 1, 1, 1, 1, 1, full.source_url),
        StatisticInput(2024, 10, 11, None, None, None, full.source_url),
        StatisticInput(2024, 10, None, None, 11, None, full.source_url),
        StatisticInput(2024, -1, None, None, None, None, full.source_url),
        StatisticInput(2024, 10, None, None, None, None, ""),
    ):
        with pytest.raises(Invalid):
            service.record_statistic(session, data=bad, **args)
    assert [s.year for s in service.statistics(session, mechanism_id=row.id)] == [2026, 2025, 1990]


def test_an_assessment_rates_all_eight_criteria_with_evidence(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    row = _make(session, org)
    args = {
        "org_id": org.id,
        "mechanism_id": row.id,
        "assessed_on": date(2026, 11, 1),
        "actor_user_id": None,
        "assessor_name": "Ana Analyst",
    }
    assert len(CRITERIA) == 8
    for missing in CRITERIA:
        incomplete = {k: v for k, v in COMPLETE.items() if k != missing}
        with pytest.raises(Invalid):
            service.record_assessment(session, ratings=incomplete, **args)
    for bad in (
        CriterionInput("met", "", "https://example.org/x"),
        CriterionInput("not_met", "An excerpt", ""),
        CriterionInput("superb", "An excerpt", "https://example.org/x"),
        CriterionInput("met", "An excerpt", "not a url"),
    ):
        with pytest.raises(Invalid):
            service.record_assessment(session, ratings={**COMPLETE, "legitimate": bad}, **args)
    no_info = {**COMPLETE, "transparent": CriterionInput("no_information", "", "")}
    service.record_assessment(session, ratings=no_info, **args)
    ((assessment, ratings),) = service.assessments(session, mechanism_id=row.id)
    assert set(ratings) == set(CRITERIA)
    assert ratings["transparent"].rating == "no_information"
    assert assessment.assessor_name == "Ana Analyst"
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(row.id)))
    assert "grievance_mechanism.assessed" in list(actions)


def test_only_published_mechanisms_are_read_outside(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    hidden = _make(session, org, name="Fictional hidden line")
    shown = _make(session, org, name="Fictional shown line")
    nhri = _make(
        session, org, name="Fictional ombudsperson", kind="nhri", countries="CO PE", sectors=()
    )
    everywhere = _make(
        session, org, name="Fictional global line", countries="", sectors=("mining",)
    )
    for row in (shown, nhri, everywhere):
        _publish(session, org, row)
    assert [m.name for m in mechanisms_for(session, country="co", sector="mining")] == [
        "Fictional global line",
        "Fictional ombudsperson",
        "Fictional shown line",
    ]
    assert [m.name for m in mechanisms_for(session, country="PE")] == [
        "Fictional global line",
        "Fictional ombudsperson",
    ]
    assert [m.name for m in mechanisms_for(session, country="PE", sector="agribusiness")] == [
        "Fictional ombudsperson"
    ]
    assert [m.name for m in published_mechanisms(session, country="CO", kind="nhri")] == [
        "Fictional ombudsperson"
    ]
    with pytest.raises(NotFound):
        published_mechanism(session, mechanism_id=hidden.id)
    _publish(session, org, shown, published=False)
    with pytest.raises(NotFound):
        published_mechanism(session, mechanism_id=shown.id)
    assert published_mechanism(session, mechanism_id=nhri.id).countries == ["CO", "PE"]


def test_roles_and_tenancy(session) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    other = make_org(session)
    row = _make(session, org)
    for role in ("analyst", "auditor"):
        with pytest.raises(Forbidden):
            service.set_mechanism_published(
                session, actor=Actor(1, org.id, role), mechanism_id=row.id, published=True
            )
    with pytest.raises(NotFound):
        service.get_mechanism(session, org_id=other.id, mechanism_id=row.id)
    with pytest.raises(NotFound):
        service.record_assessment(
            session,
            org_id=other.id,
            mechanism_id=row.id,
            ratings=COMPLETE,
            assessed_on=date(2026, 1, 1),
            actor_user_id=None,
            assessor_name="x",
        )
    assert service.list_mechanisms(session, org_id=other.id) == []
