"""Quality floors of the matcher on real, labelled data (no database needed).

PATSTAT (tests/data/patstat): the 2,379 *raw* `person_name` strings ("* AKZO NOBEL N.V.",
"N.V. PHILIPS' GLOEILAMPENFABRIEKEN"…) are clustered exactly as `vigil companies dedupe` does
(blocking, scoring, single linkage at the default threshold) and compared pair by pair with the
hand-made `leuven_id` clusters. Measured at 0.9: precision 0.962, recall 0.985, F1 0.974, in
well under a second, while containment alone still linked names; since it no longer does
(see the test), precision 1.000, recall 0.694, F1 0.819.

Open Supply Hub (tests/data/open-supply-hub/training.json): 112 labelled facility pairs
(47 match, 65 distinct), each pair called a match when its score reaches the threshold.
Measured at 0.9 with name, country and address: precision 0.864, recall 0.809, F1 0.835; with
name and country only (the registry keeps no addresses yet): precision 0.667, recall 0.766,
F1 0.713 — many distinct pairs there are different factories with the same name.

How the threshold was chosen: 0.9 was fixed beforehand (the issue's default for `--threshold`).
The evidence weights (numbers −0.15/−0.05, branch or unit words −0.05, jurisdiction +0.03 or
−0.15, identifiers, addresses +0.05/−0.20) are round numbers checked on the Open Supply Hub
pairs only; the PATSTAT gold labels were used for nothing but this measurement. The floors
below sit slightly under what was measured.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from vigil.companies.blocking import cluster
from vigil.companies.dedupe import DEFAULT_THRESHOLD
from vigil.companies.matching import Record, score

DATA = Path(__file__).resolve().parent.parent / "data"


def pairwise(predicted: list[object], gold: list[object]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering against gold clusters."""

    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    true_positive = pairs(Counter(zip(predicted, gold, strict=True)))
    precision = true_positive / max(pairs(Counter(predicted)), 1)
    recall = true_positive / max(pairs(Counter(gold)), 1)
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_pairwise_metrics_on_a_toy_example():
    assert pairwise([1, 1, 2, 2], ["a", "a", "b", "b"]) == (1.0, 1.0, 1.0)
    precision, recall, _f1 = pairwise([1, 1, 1, 1], ["a", "a", "b", "b"])
    assert (precision, recall) == (2 / 6, 1.0)


@pytest.fixture(scope="module")
def patstat() -> list[dict[str, str]]:
    with (DATA / "patstat" / "patstat_reference.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2379
    return rows


def test_patstat_raw_names_cluster_like_the_gold_standard(patstat):
    records = [Record(row["person_id"], (row["person_name"],)) for row in patstat]
    clusters = cluster(records, threshold=DEFAULT_THRESHOLD)
    label = {member: n for n, found in enumerate(clusters) for member in found.members}
    predicted = [label.get(row["person_id"], f"alone:{row['person_id']}") for row in patstat]
    precision, recall, f1 = pairwise(predicted, [row["leuven_id"] for row in patstat])
    print(f"patstat: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    # Since containment alone no longer links two names (issue 19, matching.SUBSET_CAP),
    # gold clusters joined only through it come apart: measured precision 1.000, recall
    # 0.694 (it was 0.962 / 0.985, when "Philips" ⊂ "Philips Electronics te Eindhoven" and
    # "University" ⊂ "University of X, Department of Y" scored 1.0 alike).
    assert precision >= 0.95
    assert recall >= 0.65


@pytest.fixture(scope="module")
def supply_pairs() -> list[tuple[bool, dict[str, str], dict[str, str]]]:
    data = json.loads((DATA / "open-supply-hub" / "training.json").read_text(encoding="utf-8"))
    pairs = [
        (label == "match", *item["__value__"])
        for label in ("match", "distinct")
        for item in data[label]
    ]
    assert len(pairs) == 112
    return pairs


def _record(facility: dict[str, str], *, address: bool) -> Record:
    return Record(
        facility["id"],
        (facility["name"],),
        facility["country"].upper(),
        addresses=(facility["address"],) if address else (),
    )


def supply_metrics(pairs, *, address: bool) -> tuple[float, float, float]:
    counts: Counter[tuple[bool, bool]] = Counter()
    for same, left, right in pairs:
        value = score(_record(left, address=address), _record(right, address=address)).value
        counts[(same, value >= DEFAULT_THRESHOLD)] += 1
    precision = counts[(True, True)] / (counts[(True, True)] + counts[(False, True)])
    recall = counts[(True, True)] / (counts[(True, True)] + counts[(True, False)])
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_open_supply_hub_pairs_with_addresses(supply_pairs):
    precision, recall, f1 = supply_metrics(supply_pairs, address=True)
    print(f"open supply hub: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    assert precision >= 0.84
    assert recall >= 0.78
    assert f1 >= 0.81  # the target is 0.80


def test_open_supply_hub_pairs_by_name_and_country_only(supply_pairs):
    precision, recall, f1 = supply_metrics(supply_pairs, address=False)
    print(f"open supply hub, names: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    assert f1 >= 0.69  # below the 0.80: same-name factories need their addresses
