"""Dedupe's bulk scoring gives exactly what ``score`` gives one pair of names at a time,
on hand-made records with aliases (scripts, legal forms, numbers, units, countries, addresses,
identifiers), and the clusters built either way are the same."""

from __future__ import annotations

from itertools import combinations

import pytest

from vigil.companies import blocking
from vigil.companies.blocking import cluster
from vigil.companies.matching import Record, score
from vigil.companies.pair_scoring import score_pairs

LEI = ("lei", "5493001KJTIIGC8Y1R12")
RECORDS = [
    Record(0, ("Gazprom Neft PJSC", "ПАО Газпром нефть", "Gazprom Neft", "GPN"), "RU"),
    Record(1, ("ООО Газпром Нефть", "Gazprom Neft Trading GmbH", "Gazpromneft"), "RU"),
    Record(2, ("Gazprom Neft Holdings",), "CY"),
    Record(3, ("Minera Andina S.A.C.", "Andina Mining", "Minera Andina Unit 2"), "PE"),
    Record(4, ("MINERA ANDINA SAC", "Minera Andina Unit 3"), "PE", addresses=("Av. Arequipa 1",)),
    Record(5, ("Minera Andina",), "PE", addresses=("Av. Arequipa 1",)),
    Record(6, ("Northbridge Gold plc", "NBG Mining", "N.B.G."), "GB", frozenset({LEI})),
    Record(7, ("Northbridge Gold", "Northbridge Holdings"), "GB", frozenset({LEI})),
    Record(8, ("Northbridge Gold", "Northbrige Gold Ltd"), "GB", frozenset({("lei", "OTHER")})),
    Record(9, ("Interloop Hosiery Division", "Interloop Limited", "Interloop"), "PK"),
    Record(10, ("Interloop", "Inter Loop Ltd"), "PK"),
    Record(11, ("University", "Universidad"), "PE"),
    Record(12, ("University of Lima, Department of Law", "Universidad de Lima"), "PE"),
    Record(13, ("Akzo Nobel N.V.", "AKZO NOBEL COATINGS", "Akzo Novel"), "NL"),
    Record(14, ("Akzo Nobel", "akzo nobel akzo nobel"), "NL", addresses=("Velperweg 76",)),
]


def per_pair(records, pairs, *, threshold):  # type: ignore[no-untyped-def]
    """The way before: ``score`` on every pair, one pair of names at a time."""
    for i, j in pairs:
        yield i, j, score(records[i], records[j])


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.85, 0.9, 0.95])
def test_bulk_scores_are_those_of_score(threshold):
    pairs = list(combinations(range(len(RECORDS)), 2))
    bulk = {(i, j): found for i, j, found in score_pairs(RECORDS, pairs, threshold=threshold)}
    expected = {(i, j): score(RECORDS[i], RECORDS[j]) for i, j in pairs}
    for pair, found in bulk.items():
        assert found == expected[pair]  # value and every piece of evidence, in order
    reaching = {
        pair
        for pair, found in expected.items()
        if found.value >= threshold and not found.subset_only
    }
    assert reaching <= set(bulk)  # nothing that can be a link is left out
    assert reaching  # the sample does reach it at every threshold tried


def test_the_best_pair_of_names_is_the_one_score_picks_among_equal_values():
    left = Record(1, ("Acme Mining S.A.", "ACME MINING LTDA", "Acme Mining"))
    right = Record(2, ("Acme Mining plc", "Acme Minning"))
    [(_i, _j, found)] = list(score_pairs([left, right], [(0, 1)], threshold=0.9))
    assert found == score(left, right)
    assert "Legal forms set aside: plc, sa." in found.explain()  # the first names, as score


def test_clusters_are_the_same_either_way(monkeypatch):
    for threshold in (0.6, 0.8, 0.9):
        bulk = cluster(RECORDS, threshold=threshold)
        with monkeypatch.context() as patched:
            patched.setattr(blocking, "score_pairs", per_pair)
            old = cluster(RECORDS, threshold=threshold)
        assert [c.members for c in bulk] == [c.members for c in old]
        assert [c.links for c in bulk] == [c.links for c in old]
