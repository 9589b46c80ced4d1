"""Ranking a query's candidates in bulk gives exactly what scoring them one by one gives
(checked on real names: the raw PATSTAT applicants and the Open Supply Hub facilities)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from vigil.companies.blocking import BlockingIndex, query_keys
from vigil.companies.matching import Record, match_key, match_key_of, name_key, query_values, score
from vigil.companies.name_index import NameIndex

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def real_names() -> list[str]:
    with (DATA / "patstat" / "patstat_reference.csv").open(newline="", encoding="utf-8") as f:
        names = [row["person_name"] for row in csv.DictReader(f)]
    supply = json.loads((DATA / "open-supply-hub" / "training.json").read_text("utf-8"))
    names += [v["name"] for label in supply.values() for item in label for v in item["__value__"]]
    return sorted(set(names))


def typed_variants(name: str, rng: random.Random) -> list[str]:
    """What someone might type for a name: as is, lower case, cut short, a letter dropped."""
    cut = name[: rng.randrange(1, len(name) + 1)]
    position = rng.randrange(len(name))
    return [name, name.lower(), cut, name[:position] + name[position + 1 :]]


def test_bulk_values_equal_one_by_one_scores(real_names):
    rng = random.Random(20261127)
    for _ in range(60):
        candidates = [*rng.sample(real_names, 40), "", "Co."]
        countries = [rng.choice([None, "CO", "nl", "DE"]) for _ in candidates]
        for typed in typed_variants(rng.choice(real_names), rng):
            country = rng.choice([None, "CO", "NL"])
            bulk = query_values(
                match_key(typed),
                [match_key(name) for name in candidates],
                country=country,
                countries=countries,
            )
            query = Record("query", (typed,), country=country)
            one_by_one = [
                score(query, Record(n, (name,), country=where), query=True).value
                for n, (name, where) in enumerate(zip(candidates, countries, strict=True))
            ]
            assert [value for value, _spelling in bulk] == one_by_one, typed


def test_spelling_breaks_ties_between_names_containing_the_query():
    keys = ["basell kokuyo", "kokuyo", "kokuyo pencil"]
    values = query_values("kokuyo", keys)
    assert [value for value, _ in values] == [1.0, 1.0, 1.0]  # all contain the typed word
    assert max(range(3), key=lambda i: values[i][1]) == 1  # the one spelt the same wins


def test_stored_keys_give_the_same_match_keys(real_names):
    for name in real_names:
        assert match_key_of(name, name_key(name)) == match_key(name), name
    assert match_key_of("PHARMACIA &AMP; UPJOHN", "stale") == match_key("PHARMACIA &AMP; UPJOHN")


def test_name_index_files_names_with_their_match_keys():
    index = NameIndex()
    index.add(7, "Akzo Nobel N.V.")
    index.add(8, "AKZO NOVEL NV", name_key("AKZO NOVEL NV"))
    index.add(9, "International Paper")
    assert len(index) == 3
    assert index.keys == ["akzo nobel", "akzo novel", "international paper"]
    assert list(index.company_ids) == [7, 8, 9]
    assert index.candidates("akzo nob", limit=10)[:2] == [0, 1]
    assert 2 not in index.candidates("akzo nob", limit=10)


def test_common_words_still_find_a_misspelt_name():
    """In a large registry every word can be common (its block oversized): the name sharing
    most of them with the query must still come first, not whichever name was filed first."""
    index = BlockingIndex(max_block=2)
    names = ["andes gold trading", "peru gold mining", "andes silver mining", "andes gold mining"]
    for item, name in enumerate(names):
        index.add(item, query_keys(name))
    typo = query_keys("andes gold minning")
    sizes = index.block_sizes()
    assert all(sizes[key] > 2 for key in typo if key in sizes)  # every shared key oversized
    assert index.candidates(typo, limit=1) == [3]
