"""The matcher without a database: keys, scores and their explanations, blocking, clustering."""

from __future__ import annotations

import pytest

from vigil.companies.blocking import BlockingIndex, blocking_keys, cluster, record_keys
from vigil.companies.matching import Record, clean_text, describe, match_key, name_key, score
from vigil.core import i18n


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("PT Sawit Lestari Nusantara Tbk", "sawit lestari nusantara"),
        ("Palmas del César Ltda.", "palmas del cesar"),
        ("Minera Andina S.A.S.", "minera andina"),
        ("Basell Polyolefine GmbH", "basell polyolefine"),
        ("Glencore plc", "glencore"),
        ("ООО Газпром", "gazprom"),
    ],
)
def test_name_key_removes_legal_forms_and_transliterates(name, key):
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("N.V.PHILIPS' GLOEILAMPENFABRIEKEN", "philips gloeilampenfabrieken"),
        ("INTERNATIONAL BUSINESS MACHINES CORP.", "international business machines"),
        ("D S M IP ASSETS B.V.", "dsm ip assets"),
        ("PHARMACIA &AMP; UPJOHN", "pharmacia upjohn"),
        ("The Goodyear Tire & Rubber Co", "goodyear tire rubber"),
        ("Co.", "co"),  # nothing but generic words: keep them rather than nothing
    ],
)
def test_match_key_tidies_what_name_key_leaves(name, key):
    assert match_key(name) == key


def test_clean_text_drops_control_characters_and_cuts():
    assert clean_text("Acme\x00 Mining\n\tS.A.") == "Acme Mining S.A."
    assert len(clean_text("x" * 1000)) == 300


def lines(a: str, b: str, **kwargs) -> tuple[float, list[str]]:
    found = score(Record(1, (a,), **kwargs.pop("left", {})), Record(2, (b,), **kwargs))
    return found.value, found.explain()


def test_legal_forms_and_accents_do_not_count():
    value, explanation = lines("Palmas del César S.A.S.", "PALMAS DEL CESAR LTDA")
    assert value == 1.0
    assert explanation[0] == (
        "Same name once legal forms and spelling marks are set aside: “palmas del cesar”. (1.00)"
    )
    assert explanation[1] == "Legal forms set aside: ltda, sas."


def test_a_typo_is_a_spelling_similarity():
    value, explanation = lines("AKZO NOBEL N.V.", "AKZO NOVEL")
    assert value == pytest.approx(0.9)
    assert explanation[0] == "Names spelt alike: “akzo nobel” / “akzo novel”. (0.90)"


def test_contained_names_and_word_order():
    value, explanation = lines("Alcatel", "Alcatel Amsterdam")
    assert value == 0.85  # containment alone stays under the threshold (SUBSET_CAP)
    assert explanation[0] == "The words of “alcatel” are found in “alcatel amsterdam”. (0.85)"
    assert lines("Bosch GmbH Robert", "Robert Bosch GmbH")[0] == 1.0
    assert lines("Unilever Unilever", "Unilever N.V.")[0] == 1.0  # the same words


def test_numbers_and_subunits_lower_the_score():
    value, explanation = lines("Soorty Enterprises Unit 10", "Soorty Enterprises Unit 6")
    assert value < 0.9
    assert "The names carry different numbers: 10 / 6. (−0.15)" in explanation
    value, explanation = lines("Interloop", "Interloop Hosiery Division")
    assert "Only one name names a branch, unit or division: division. (−0.05)" in explanation
    assert value == pytest.approx(0.8)  # contained (at most 0.85), minus the division


def test_country_evidence():
    same = score(Record(1, ("Minera Andina",), "PE"), Record(2, ("Minera Andina SAC",), "PE"))
    other = score(Record(1, ("Minera Andina",), "PE"), Record(2, ("Minera Andina SA",), "CL"))
    assert same.value == 1.0
    assert "Same jurisdiction: PE. (+0.03)" in same.explain()
    assert other.value == pytest.approx(0.85)
    assert "Different jurisdictions: PE / CL. (−0.15)" in other.explain()


def test_identifiers_settle_or_contradict():
    lei = frozenset({("lei", "5493001KJTIIGC8Y1R12")})
    same = score(Record(1, ("Northbridge",), identifiers=lei), Record(2, ("NBG",), identifiers=lei))
    assert same.value == 1.0
    assert same.explain()[0] == "Same identifier: lei 5493001KJTIIGC8Y1R12. (1.00)"
    conflict = score(
        Record(1, ("Northbridge Gold",), identifiers=lei),
        Record(2, ("Northbridge Gold plc",), identifiers=frozenset({("lei", "OTHER")})),
    )
    assert conflict.value == pytest.approx(0.7)
    assert "Different lei identifiers: 5493001KJTIIGC8Y1R12 / OTHER. (−0.30)" in conflict.explain()


def test_addresses_count_when_both_have_one():
    left = {"addresses": ("Lot F2 Seethawaka Industrial Park, Avissawella, Sri Lanka",)}
    alike = lines("Mercury", "Mercury", left=left, addresses=("lot f2 seethawaka industrial park",))
    differ = lines("Felix", "Felix", left=left, addresses=("road of republic beni khiar nabeul",))
    several = lines(
        "Felix", "Felix", left=left, addresses=("rue x, tunis", "lot f2 seethawaka industrial park")
    )
    assert alike == (1.0, [alike[1][0], "Addresses alike. (+0.05)"])
    assert differ[0] == pytest.approx(0.8)
    assert "Addresses differ. (−0.20)" in differ[1]
    assert several[0] == 1.0  # the best pair of addresses counts


def test_best_pair_of_names_counts():
    found = score(
        Record(1, ("Northbridge Gold plc", "NBG Mining")), Record(2, ("N.B.G. Mining Ltd",))
    )
    assert found.value == 1.0


def test_query_mode_credits_a_typed_beginning():
    typed = score(Record("q", ("akzo no",)), Record(1, ("Akzo Nobel N.V.",)), query=True)
    assert typed.value == pytest.approx(0.9)
    assert typed.explain()[0] == "“akzo nobel” begins with what was typed: “akzo no”. (0.90)"
    assert score(Record("q", ("akzo no",)), Record(1, ("Akzo Nobel N.V.",))).value < 0.9


def test_explanations_are_translated():
    value = score(Record(1, ("Minera Andina",), "PE"), Record(2, ("Minera Andina",), "PE"))
    token = i18n.current_locale.set("es")
    try:
        translated = [describe(item) for item in value.evidence]
    finally:
        i18n.current_locale.reset(token)
    assert len(translated) == len(value.explain())  # a sentence each, in any catalogue state


# --- blocking ---------------------------------------------------------------------------------


def test_blocking_keys_catch_spelling_variants():
    philips, filips = blocking_keys("philips electronics"), blocking_keys("filips elektroniks")
    assert philips & filips  # the metaphone code FLPS
    assert blocking_keys("d s m") & blocking_keys("dsm")  # the squashed key
    assert blocking_keys("gist brocades") & blocking_keys("gistbrocades")  # first four letters
    assert not blocking_keys("shell oil") & blocking_keys("unilever")
    assert blocking_keys("") == set()


def test_identifiers_are_blocking_keys():
    record = Record(1, ("Acme",), identifiers=frozenset({("lei", "X1")}))
    assert "i:lei:X1" in record_keys(record)


def test_index_candidates_rank_by_shared_keys_and_skip_oversized_blocks():
    index = BlockingIndex(max_block=3)
    for item, key in enumerate(
        ["akzo nobel", "akzo nobel chemicals", "akzo novel", "international paper"]
    ):
        index.add(item, blocking_keys(key))
    assert index.candidates(blocking_keys("akzo nobel"))[:1] == [0]
    assert set(index.candidates(blocking_keys("akzo nobel"))) == {0, 1, 2}
    for item in range(4, 8):  # "inte" now files five names: too common to block on
        index.add(item, blocking_keys(f"international {item}"))
    assert index.block_sizes()["p:inte"] == 5
    assert all(3 not in pair and 4 not in pair for pair in index.pairs())
    assert index.candidates(blocking_keys("international"), limit=2)  # still found, as a fallback


def test_pairs_are_yielded_once():
    index = BlockingIndex()
    index.add("a", blocking_keys("akzo nobel"))
    index.add("b", blocking_keys("akzo nobel arnhem"))
    assert list(index.pairs()) == [("a", "b")]


def test_cluster_links_and_vetoes():
    records = [
        Record(1, ("Akzo Nobel N.V.",), "NL"),
        Record(2, ("AKZO NOBEL NV",), "NL"),
        Record(3, ("Akzo Noble",), "NL"),
        Record(4, ("Shell Canada",), "CA"),
        Record(5, ("Unilever",), "NL"),
    ]
    (found,) = cluster(records, threshold=0.9)
    assert sorted(found.members) == [1, 2, 3]
    assert len(found.links) == 2  # a spanning tree: each member once
    assert found.weakest >= 0.9
    vetoed = {frozenset((1, 3)), frozenset((2, 3))}
    (found,) = cluster(records, threshold=0.9, skip=lambda a, b: frozenset((a, b)) in vetoed)
    assert sorted(found.members) == [1, 2]


def test_identical_records_are_scored_once_but_all_clustered():
    records = [Record(i, ("Unilever N.V.",)) for i in range(50)]
    (found,) = cluster(records, threshold=0.9)
    assert len(found.members) == 50
    assert len(found.links) == 49
