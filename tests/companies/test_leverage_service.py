"""The leverage map of the demo world, read from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from tests.factories import make_incident, make_org
from vigil.companies.leverage import leverage_for_company
from vigil.companies.models import Company, CompanyRelationship
from vigil.companies.service import get_company_by_key
from vigil.core.errors import Invalid, NotFound
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation

STORY_ORDER = [
    ("Minera Andina del Cauca S.A.S.", "operator"),
    ("Northbridge Gold plc", "parent"),
    ("Helvetia Precious Metals AG", "buyer"),
    ("Nordic Workers' Pension Fund", "investor"),
    ("Atlantic Development Bank", "lender"),
    ("Voluntary Principles on Security and Human Rights", "msi"),
    ("Embassy of United Kingdom in Colombia", "embassy"),
    ("National human rights institution / protection mechanism of Colombia", "protection"),
]


@pytest.fixture
def demo(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    story = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    return org, story


def test_story_incident_yields_the_story_in_order(session, demo):
    org, story = demo
    lmap = leverage_for_incident(session, org_id=org.id, incident_id=story.id)
    seen = [(e.actor.name, e.role.value) for e in lmap.entries]
    positions = [seen.index(item) for item in STORY_ORDER]
    assert positions == sorted(positions), seen
    assert seen[0] == STORY_ORDER[0]
    assert seen[-1] == STORY_ORDER[-1]
    assert [e.rank for e in lmap.entries] == list(range(1, len(seen) + 1))

    entries = {e.actor.name: e for e in lmap.entries}
    assert entries["Minera Andina del Cauca S.A.S."].explanation == (
        "operator of El Roble gold mine"
    )
    fund = entries["Nordic Workers' Pension Fund"]
    assert fund.percentage == Decimal(6)
    assert fund.explanation.startswith("investor, 6 % via parent — 6 % in Northbridge Gold plc")
    assert "(parent of Minera Andina del Cauca S.A.S.)" in fund.explanation
    assert fund.sources == (
        "Fund holdings list 2025 (fictional)",
        "Northbridge Gold plc annual report 2025 (fictional)",
    )
    assert entries["Helvetia Precious Metals AG"].explanation == (
        "buyer, tier 1 — buys from Minera Andina del Cauca S.A.S. — "
        "source: Refiner's supplier list (fictional)"
    )
    # the refiner's own buyer, one tier further down the chain
    assert entries["Eurolux Joaillerie SA"].tier == 2
    escudo = entries["Escudo Seguridad Privada Ltda."]
    assert escudo.explanation.startswith("security provider, engage through the operator")
    embassy = entries["Embassy of United Kingdom in Colombia"]
    assert [s.edge.kind for s in embassy.path] == ["parent_subsidiary", "headquartered_in"]
    # nothing from elsewhere in the registry (siblings, other groups)
    assert "Northbridge Perú S.A.C." not in entries
    assert "Maplestone Resources Inc." not in entries
    assert lmap.host_country == "CO"
    assert lmap.subject is not None and lmap.subject.name == story.title


def test_another_organisations_incident_is_not_found(session, demo):
    _org, story = demo
    other = make_org(session)
    with pytest.raises(NotFound):
        leverage_for_incident(session, org_id=other.id, incident_id=story.id)


def test_thresholds_and_depth(session, demo):
    org, story = demo
    lmap = leverage_for_incident(session, org_id=org.id, incident_id=story.id, min_percentage=10)
    names = [e.actor.name for e in lmap.entries]
    assert "Nordic Workers' Pension Fund" not in names
    assert "Northbridge Gold plc" in names
    assert [x.to_name for x in lmap.excluded] == ["Northbridge Gold plc"]
    shallow = leverage_for_incident(session, org_id=org.id, incident_id=story.id, max_depth=1)
    names = [e.actor.name for e in shallow.entries]
    assert "Atlantic Development Bank" in names and "Nordic Workers' Pension Fund" not in names
    with pytest.raises(Invalid):
        leverage_for_incident(session, org_id=org.id, incident_id=story.id, max_depth=99)
    with pytest.raises(Invalid):
        leverage_for_incident(
            session, org_id=org.id, incident_id=story.id, min_percentage=float("nan")
        )


def test_ended_edges_and_merged_records(session, demo):
    org, story = demo
    edge = session.scalar(
        select(CompanyRelationship).where(CompanyRelationship.key == "demo:adb-madc")
    )
    edge.end_date = date(2020, 1, 1)
    parent = get_company_by_key(session, key="demo:northbridge")
    duplicate = Company(name="Northbridge Gold (duplicate)", merged_into_id=parent.id)
    session.add(duplicate)
    session.flush()
    session.add(
        CompanyRelationship(
            kind="investor",
            from_company_id=get_company_by_key(session, key="demo:harbourline").id,
            to_company_id=duplicate.id,
            percentage=Decimal(3),
            source="Old register",
        )
    )
    session.flush()
    lmap = leverage_for_incident(session, org_id=org.id, incident_id=story.id)
    entries = {e.actor.name: e for e in lmap.entries}
    assert "Atlantic Development Bank" not in entries
    assert [x.reason for x in lmap.excluded] == ["ended on 2020-01-01"]
    harbourline = entries["Harbourline Capital Partners LP"]
    assert harbourline.explanation.startswith("investor, 3 % via parent")
    assert harbourline.path[-1].to_actor.name == "Northbridge Gold plc"


def test_incident_without_companies_has_only_the_host_state(session, vault):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault, country="PE")
    lmap = leverage_for_incident(session, org_id=org.id, incident_id=incident.id)
    assert [e.role.value for e in lmap.entries] == ["protection"]
    assert lmap.entries[0].actor.country == "PE"


def test_company_map_and_one_edge_query_per_level(session, engine, demo):
    parent = get_company_by_key(session, key="demo:northbridge")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "company_relationships" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        lmap = leverage_for_company(session, company_id=parent.id, max_depth=4)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    names = [e.actor.name for e in lmap.entries]
    assert names[0] == "Northbridge Gold plc"
    assert "Nordic Workers' Pension Fund" in names
    assert names[-1] == "National human rights institution / protection mechanism of United Kingdom"
    assert not any(name.startswith("Embassy of United Kingdom") for name in names)
    assert len(statements) <= 4
    with pytest.raises(NotFound):
        leverage_for_company(session, company_id=2_000_000_000)


def test_long_id_lists_are_split_into_chunks(session, demo, monkeypatch):
    org, story = demo
    whole = leverage_for_incident(session, org_id=org.id, incident_id=story.id)
    monkeypatch.setattr("vigil.companies.leverage.CHUNK", 1)
    split = leverage_for_incident(session, org_id=org.id, incident_id=story.id)
    assert [e.explanation for e in split.entries] == [e.explanation for e in whole.entries]
