"""The leverage map read ahead in one recursive query gives the same map as the walk loading
each level on its own, and as the walk over plain lists, on SQLite and PostgreSQL — with
merged records (a chain of merges, a record merged into a buyer), ended and future edges,
percentages under the threshold, cycles and project-origin edges in the graph."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from vigil.companies.leverage import SqlGraph, leverage_for_company
from vigil.companies.leverage_graph import ActorInfo, Edge, MemoryGraph, Role, Root, traverse
from vigil.companies.leverage_sql import fetch_reach
from vigil.companies.models import Company, CompanyRelationship, Project

TODAY = date(2026, 6, 1)
KINDS = [
    "ownership",
    "ownership",
    "parent_subsidiary",
    "joint_venture",
    "supplier_buyer",
    "supplier_buyer",
    "investor",
    "lender",
    "security_provider",
    "msi_member",
    "headquartered_in",
    "operator",
]


class PerLevel(SqlGraph):
    """The same source without reading ahead: every level loaded on its own."""

    expect_depth = None  # type: ignore[assignment]


def build_world(session, seed: int = 7, size: int = 40, merges: bool = True):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    companies = [
        Company(name=f"Company {n:02d}", jurisdiction=rng.choice(["CO", "GB", "CH", None]))
        for n in range(size)
    ]
    session.add_all(companies)
    session.flush()
    ids = [c.id for c in companies]
    if merges:  # a chain (3 -> 2 -> 1) and a record merged into another company
        companies[3].merged_into_id = ids[2]
        companies[2].merged_into_id = ids[1]
        companies[9].merged_into_id = ids[5]
    project = Project(name="El Roble", kind="mine", country="CO")
    session.add(project)
    session.flush()
    edges = []
    for _ in range(size * 5):
        kind = rng.choice(KINDS)
        frm, to = rng.sample(ids, 2)
        row = CompanyRelationship(kind=kind, from_company_id=frm, source=rng.choice(["", "S"]))
        if kind == "headquartered_in":
            row.to_country = rng.choice(["CO", "GB", "CH"])
        elif kind == "operator":
            row.to_project_id = project.id
        else:
            row.to_company_id = to
        if kind in ("ownership", "investor", "joint_venture"):
            row.percentage = Decimal(rng.choice(["2.5", "10", "51", "74.25", "100"]))
        roll = rng.random()
        if roll < 0.08:
            row.end_date = date(2020, 1, 1)
        elif roll < 0.12:
            row.start_date = date(2030, 1, 1)
        edges.append(row)
    # A project-origin edge pointing at a company (no leverage: never followed).
    edges.append(
        CompanyRelationship(kind="supplier_buyer", from_project_id=project.id, to_company_id=ids[0])
    )
    session.add_all(edges)
    session.flush()
    plain = [
        Edge(
            e.id,
            e.kind,
            e.from_company_id,
            e.to_company_id,
            e.to_country,
            None if e.percentage is None else Decimal(str(e.percentage)),
            e.tier,
            e.source or "",
            e.start_date,
            e.end_date,
        )
        for e in edges
        if e.from_company_id is not None
    ]
    return ids, plain


def summary(lmap) -> list[tuple]:  # type: ignore[no-untyped-def]
    entries = [
        (
            e.rank,
            e.actor,
            e.role,
            e.depth,
            e.tier,
            e.percentage,
            e.via,
            e.explanation,
            e.also,
            [(s.edge.id, s.from_actor, s.to_actor) for s in e.path],
        )
        for e in lmap.entries
    ]
    return [entries, [(x.edge.id, x.reason) for x in lmap.excluded]]


@pytest.mark.parametrize("min_percentage", [0, 20])
def test_reading_ahead_gives_the_same_map(session, min_percentage):
    ids, edges = build_world(session)
    actors = [
        ActorInfo(c.id, c.name, c.actor_kind, c.jurisdiction, c.merged_into_id)
        for c in session.query(Company).where(Company.id.in_(ids))
    ]
    for start in ids:
        for depth in (1, 2, 4):
            options = {
                "host_country": "CO",
                "today": TODAY,
                "max_depth": depth,
                "min_percentage": min_percentage,
            }
            root = [Root(start, Role.company)]
            ahead = traverse(SqlGraph(session), root, **options)
            per_level = traverse(PerLevel(session), root, **options)
            in_memory = traverse(MemoryGraph(edges, actors), root, **options)
            assert summary(ahead) == summary(per_level) == summary(in_memory), (start, depth)


def test_a_map_costs_two_statements_without_merges(session, engine):
    ids, _edges = build_world(session, seed=3, merges=False)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        lmap = leverage_for_company(session, company_id=ids[20], max_depth=4, today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(lmap.entries) > 3
    assert len(statements) == 2  # the company, then everything below it


def test_the_recursive_query_reports_members_and_merged_records(session):
    ids, _edges = build_world(session)
    reach = fetch_reach(session, group={ids[1]}, buyers=set(), steps=2)
    assert ids[1] in reach.group
    assert ids[1] in reach.aliased  # company 2 was merged into it: its level is loaded apart
    assert not reach.covers({ids[1]}, {ids[1]})
    assert reach.group <= reach.members
