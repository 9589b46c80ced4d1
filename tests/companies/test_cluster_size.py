"""No giant clusters: a chain of names sharing words is cut at the size limit, and copies of
one spelling count once towards it."""

from __future__ import annotations

from vigil.companies.blocking import DEFAULT_MAX_CLUSTER, cluster
from vigil.companies.matching import Record

#: Each name holds the previous one's words ("contained"); with the same address on every
#: record, every neighbour pair is linked (containment alone never is: test_subset_only.py).
CHAIN = [
    "Andean Water Trust",
    "Andean Water Trust Lima",
    "Andean Water Trust Lima Office",
    "Andean Water Trust Lima Office Legal",
    "Andean Water Trust Lima Office Legal Desk",
    "Andean Water Trust Lima Office Legal Desk North",
]


ADDRESS = ("Av. Arequipa 1234, Lima",)


def _records(names: list[str], copies: int = 1) -> list[Record]:
    return [
        Record(f"{n}-{c}", (name,), addresses=ADDRESS)
        for n, name in enumerate(names)
        for c in range(copies)
    ]


def _distinct(found) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(member).split("-")[0] for member in found.members}


def test_a_chain_is_one_cluster_without_a_limit_and_cut_at_the_limit():
    whole = cluster(_records(CHAIN), threshold=0.9)
    assert [len(found.members) for found in whole] == [len(CHAIN)]
    for limit in (2, 3, 4):
        parts = cluster(_records(CHAIN), threshold=0.9, max_size=limit)
        assert max(len(found.members) for found in parts) == limit
        assert sum(len(found.members) for found in parts) <= len(CHAIN)
    cut = cluster(_records(CHAIN), threshold=0.9, max_size=len(CHAIN) - 1)
    assert max(len(found.members) for found in cut) == len(CHAIN) - 2  # cut at a weakest link
    assert sum(len(found.members) for found in cut) == len(CHAIN)


def test_copies_of_one_spelling_count_once_towards_the_limit():
    parts = cluster(_records(CHAIN[:3], copies=4), threshold=0.9, max_size=3)
    assert [len(found.members) for found in parts] == [12]
    assert [len(_distinct(found)) for found in parts] == [3]
    cut = cluster(_records(CHAIN[:3], copies=4), threshold=0.9, max_size=2)
    assert max(len(_distinct(found)) for found in cut) == 2


def test_each_cluster_keeps_the_links_that_joined_it_strongest_first():
    records = [*_records(CHAIN[:3]), Record("x", ("Andean Water Trust",), addresses=ADDRESS)]
    [found] = cluster(records, threshold=0.9)
    values = [link.score.value for link in found.links]
    assert len(values) == len(found.members) - 1
    assert values == sorted(values, reverse=True)


def test_the_default_limit_leaves_room_for_the_largest_real_cluster_seen():
    # 66 distinct spellings in the largest PATSTAT gold cluster (see blocking.py).
    assert DEFAULT_MAX_CLUSTER >= 66
