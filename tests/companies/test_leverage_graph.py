"""The leverage walk on plain lists: ranking, chains, thresholds, cycles, merges, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from vigil.companies.leverage_graph import (
    ActorInfo,
    Edge,
    MemoryGraph,
    Role,
    Root,
    build_leverage,
    traverse,
)

TODAY = date(2026, 6, 1)
OPERATOR, PARENT, GRANDPARENT, FUND, BUYER, BUYER2, MSI, BANK, GUARD = range(1, 10)
ACTORS = [
    ActorInfo(OPERATOR, "Operator S.A.S.", country="CO"),
    ActorInfo(PARENT, "Parent plc", country="GB"),
    ActorInfo(GRANDPARENT, "Holding AG", country="CH"),
    ActorInfo(FUND, "Pension Fund", "investor"),
    ActorInfo(BUYER, "Refinery AG"),
    ActorInfo(BUYER2, "Jeweller SA"),
    ActorInfo(MSI, "Voluntary Principles", "msi"),
    ActorInfo(BANK, "Development Bank", "dfi"),
    ActorInfo(GUARD, "Guards Ltda", "security"),
]


def edge(id_: int, kind: str, frm: int, to: int | None = None, **kw) -> Edge:  # type: ignore[no-untyped-def]
    if "percentage" in kw and kw["percentage"] is not None:
        kw["percentage"] = Decimal(str(kw["percentage"]))
    return Edge(id_, kind, frm, to, **kw)


WORLD = [
    edge(1, "parent_subsidiary", PARENT, OPERATOR, percentage=74, source="Annual report"),
    edge(2, "investor", FUND, PARENT, percentage=10, source="Holdings list"),
    edge(3, "supplier_buyer", OPERATOR, BUYER, source="Supplier list"),
    edge(4, "supplier_buyer", BUYER, BUYER2, source="Sourcing report"),
    edge(5, "msi_member", PARENT, MSI),
    edge(6, "headquartered_in", PARENT, to_country="GB", source="Registry"),
    edge(7, "lender", BANK, OPERATOR, source="Project disclosure"),
    edge(8, "security_provider", GUARD, OPERATOR),
    edge(9, "headquartered_in", OPERATOR, to_country="CO"),
]


def leverage(edges=WORLD, actors=ACTORS, roots=None, **kw):  # type: ignore[no-untyped-def]
    roots = roots or [Root(OPERATOR, Role.operator, "El Roble mine")]
    kw.setdefault("host_country", "CO")
    return build_leverage(edges, actors, roots, today=TODAY, **kw)


def names(lmap) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.actor.name for e in lmap.entries]


def by_name(lmap, name):  # type: ignore[no-untyped-def]
    return next(e for e in lmap.entries if e.actor.name == name)


def test_ranks_in_the_domain_order_and_explains():
    lmap = leverage()
    assert names(lmap) == [
        "Operator S.A.S.",
        "Parent plc",
        "Refinery AG",
        "Jeweller SA",
        "Pension Fund",
        "Development Bank",
        "Guards Ltda",
        "Voluntary Principles",
        "Embassy of United Kingdom in Colombia",
        "National human rights institution / protection mechanism of Colombia",
    ]
    assert [e.rank for e in lmap.entries] == list(range(1, 11))
    assert [e.role for e in lmap.entries][:3] == [Role.operator, Role.parent, Role.buyer]
    buyer, jeweller = by_name(lmap, "Refinery AG"), by_name(lmap, "Jeweller SA")
    assert (buyer.tier, jeweller.tier) == (1, 2)
    assert buyer.explanation == (
        "buyer, tier 1 — buys from Operator S.A.S. — source: Supplier list"
    )
    assert [s.edge.id for s in jeweller.path] == [3, 4]
    assert by_name(lmap, "Guards Ltda").explanation.startswith(
        "security provider, engage through the operator"
    )
    embassy = lmap.entries[8]
    assert embassy.actor.id is None and embassy.actor.country == "GB"
    assert "home state of Parent plc (parent of Operator S.A.S.)" in embassy.explanation
    assert lmap.entries[-1].path == ()
    # the operator's own home state is the host state: no "embassy of Colombia in Colombia"
    assert not any("Embassy of Colombia" in n for n in names(lmap))


def test_percentages_multiply_along_the_chain():
    fund = by_name(leverage(), "Pension Fund")
    assert fund.percentage == Decimal("7.4")
    assert fund.direct_percentage == Decimal(10)
    assert fund.explanation == (
        "investor, 7.4 % via parent — 10 % in Parent plc (parent of Operator S.A.S.)"
        " — source: Holdings list"
    )
    assert fund.sources == ("Holdings list", "Annual report")
    assert [(s.from_actor.name, s.to_actor.name) for s in fund.path] == [
        ("Parent plc", "Operator S.A.S."),
        ("Pension Fund", "Parent plc"),
    ]
    assert fund.via is not None and fund.via.name == "Parent plc"


def test_percentage_threshold_applies_to_effective_shares():
    lmap = leverage(min_percentage=8)  # 10 % of a 74 % parent is 7.4 %: below 8
    assert "Pension Fund" not in names(lmap)
    assert "Parent plc" in names(lmap)
    (excluded,) = lmap.excluded
    assert excluded.edge.id == 2
    assert excluded.reason == "share of 7.4 % is below the 8 % threshold"
    # unknown percentages never exclude
    assert "Development Bank" in names(lmap)
    assert "Pension Fund" in names(leverage(min_percentage=7.4))


def test_depth_limit():
    assert names(leverage(max_depth=0)) == [
        "Operator S.A.S.",
        "National human rights institution / protection mechanism of Colombia",
    ]
    one = names(leverage(max_depth=1))
    assert "Parent plc" in one and "Refinery AG" in one and "Development Bank" in one
    assert "Pension Fund" not in one and "Jeweller SA" not in one
    assert "Embassy of United Kingdom in Colombia" not in one
    assert "Pension Fund" in names(leverage(max_depth=2))


def test_ownership_cycles_terminate():
    looped = [
        *WORLD,
        edge(20, "ownership", GRANDPARENT, PARENT, percentage=60),
        edge(21, "ownership", OPERATOR, GRANDPARENT, percentage=51),
        edge(22, "supplier_buyer", BUYER2, BUYER),
    ]
    lmap = leverage(looped, max_depth=50)
    assert names(lmap).count("Operator S.A.S.") == 1
    assert by_name(lmap, "Holding AG").role == Role.parent
    assert by_name(lmap, "Holding AG").percentage == Decimal("44.4")
    assert by_name(lmap, "Operator S.A.S.").role == Role.operator
    assert any("owns 51 % of Holding AG" in text for text in lmap.entries[0].also)


def test_merged_companies_are_followed_to_the_survivor():
    old_parent = ActorInfo(50, "Parent (old record)", merged_into_id=PARENT)
    edges = [
        edge(1, "parent_subsidiary", 50, OPERATOR, percentage=100),
        edge(2, "investor", FUND, 50, percentage=6),
    ]
    lmap = leverage(edges, [*ACTORS, old_parent])
    assert names(lmap)[:3] == ["Operator S.A.S.", "Parent plc", "Pension Fund"]
    assert by_name(lmap, "Pension Fund").percentage == Decimal(6)
    # starting from a merged record starts from its survivor
    lmap = leverage(edges, [*ACTORS, old_parent], roots=[Root(50, Role.company)])
    assert lmap.entries[0].actor.name == "Parent plc"


def test_ended_and_future_relationships_are_listed_not_followed():
    edges = [
        *WORLD,
        edge(30, "investor", GRANDPARENT, OPERATOR, percentage=20, end_date=date(2024, 5, 1)),
        edge(31, "lender", GRANDPARENT, OPERATOR, start_date=date(2027, 1, 1)),
    ]
    lmap = leverage(edges)
    assert "Holding AG" not in names(lmap)
    reasons = {x.edge.id: x.reason for x in lmap.excluded}
    assert reasons == {30: "ended on 2024-05-01", 31: "starts on 2027-01-01"}
    assert lmap.excluded[0].from_name == "Holding AG"


def test_one_entry_per_actor_with_other_roles_mentioned():
    edges = [*WORLD, edge(40, "lender", FUND, OPERATOR, source="Loan notice")]
    lmap = leverage(edges)
    fund = by_name(lmap, "Pension Fund")
    assert fund.role == Role.investor
    assert fund.also == (
        "lender — lends to Operator S.A.S. (operator of El Roble mine) — source: Loan notice",
    )


def test_buyers_msi_and_home_state_count_but_not_their_financiers():
    edges = [
        *WORLD,
        edge(50, "msi_member", BUYER, MSI),
        edge(51, "headquartered_in", BUYER, to_country="CH"),
        edge(52, "investor", FUND, BUYER, percentage=50),
    ]
    lmap = leverage(edges)
    assert "Embassy of Switzerland in Colombia" in names(lmap)
    assert by_name(lmap, "Pension Fund").via.name == "Parent plc"  # not the buyer's investor


def test_queries_the_source_once_per_level():
    calls: list[tuple[int, int]] = []

    class Counting(MemoryGraph):
        def edges(self, *, incoming, outgoing):  # type: ignore[no-untyped-def]
            calls.append((len(incoming), len(outgoing)))
            return super().edges(incoming=incoming, outgoing=outgoing)

    traverse(
        Counting(WORLD, ACTORS),
        [Root(OPERATOR, Role.operator)],
        host_country="CO",
        today=TODAY,
        max_depth=4,
    )
    assert len(calls) <= 4
    assert calls[0] == (1, 1)


def test_large_registry_keeps_depth_limit_and_ignores_what_does_not_matter():
    """A chain of 2,000 owners, each with 50 investors and 50 suppliers that do not matter:
    only six levels of parents and their investors are kept. (Speed is measured by
    `make bench`, never by a timed test.)"""
    actors = [ActorInfo(i, f"Company {i}") for i in range(1, 200_001)]
    edges: list[Edge] = []
    for i in range(1, 2_001):
        edges.append(edge(len(edges) + 1, "ownership", i + 1, i, percentage=90))
        for j in range(50):
            investor = 10_000 + i * 50 + j
            edges.append(edge(len(edges) + 1, "investor", investor, i, percentage=1))
            edges.append(edge(len(edges) + 1, "supplier_buyer", investor + 50_000, i))
    lmap = build_leverage(edges, actors, [Root(1)], host_country="CO", today=TODAY, max_depth=6)
    assert len([e for e in lmap.entries if e.role == Role.parent]) == 6
    assert len([e for e in lmap.entries if e.role == Role.investor]) == 6 * 50
