"""Entity-resolution quality on real, labelled data: Vigil against nomenklatura's logic-v2.

PATSTAT (tests/data/patstat/patstat_reference.csv): the 2,379 *raw* ``person_name`` strings
(never the pre-cleaned ``Name`` column of patstat_input.csv) are clustered and compared pair by
pair with the hand-made ``leuven_id`` clusters.

- Vigil: exactly what ``vigil companies dedupe`` does (``blocking.cluster``: blocking keys,
  scoring, single linkage with its size limit) at ``DEFAULT_THRESHOLD`` (0.9, fixed before
  any measurement: the issue's default for ``--threshold``).
- Peer: nomenklatura's ``logic-v2`` scorer on FtM ``Company`` entities, behind a loose blocker
  (two distinct names are compared when they share one word of three letters or more, words
  held by more than ``PEER_MAX_BLOCK`` names left out), single linkage at 0.7, the match
  threshold yente/OpenSanctions use with logic-v2 by default. Identical raw names are scored
  once, as Vigil does.

Neither threshold was tuned on these labels. ``largest_cluster`` is the number of records in
the largest cluster each side proposes (what a reviewer would face at once). Blocking recall
(the share of true pairs whose two records are actually scored, either directly or as
identical names) is reported separately from matching quality.

Open Supply Hub (tests/data/open-supply-hub/training.json): 112 labelled facility pairs;
each pair is called a match when its score reaches the threshold (name, country and address).
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from itertools import combinations
from pathlib import Path

from vigil.companies.blocking import BlockingIndex, _signature, cluster, record_keys
from vigil.companies.dedupe import DEFAULT_THRESHOLD
from vigil.companies.matching import Record, score

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PEER_THRESHOLD = 0.7
PEER_MAX_BLOCK = 1000
_WORD = re.compile(r"[^\W_]{3,}")


def pairwise(predicted: list[object], gold: list[object]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering against gold clusters (as in
    tests/companies/test_matching_quality.py)."""

    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    true_positive = pairs(Counter(zip(predicted, gold, strict=True)))
    precision = true_positive / max(pairs(Counter(predicted)), 1)
    recall = true_positive / max(pairs(Counter(gold)), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def blocking_recall(
    group_of: list[Hashable], gold: list[object], compared: set[frozenset[Hashable]]
) -> float:
    """Share of true record pairs that reach scoring: same group (identical to the matcher)
    or their groups form a compared pair."""
    members: dict[object, list[int]] = defaultdict(list)
    for position, label in enumerate(gold):
        members[label].append(position)
    total = reached = 0
    for positions in members.values():
        for i, j in combinations(positions, 2):
            total += 1
            a, b = group_of[i], group_of[j]
            if a == b or frozenset((a, b)) in compared:
                reached += 1
    return reached / max(total, 1)


class _Forest:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, item: Hashable) -> Hashable:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: Hashable, b: Hashable) -> None:
        self.parent[self.find(a)] = self.find(b)


def load_patstat() -> list[dict[str, str]]:
    path = DATA / "patstat" / "patstat_reference.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_supply_pairs() -> list[tuple[bool, dict[str, str], dict[str, str]]]:
    data = json.loads((DATA / "open-supply-hub" / "training.json").read_text(encoding="utf-8"))
    return [
        (label == "match", *item["__value__"])
        for label in ("match", "distinct")
        for item in data[label]
    ]


# -- Vigil -------------------------------------------------------------------------------


def vigil_patstat(rows: list[dict[str, str]]) -> dict[str, float]:
    records = [Record(row["person_id"], (row["person_name"],)) for row in rows]
    started = time.perf_counter()
    clusters = cluster(records, threshold=DEFAULT_THRESHOLD)
    elapsed = time.perf_counter() - started
    label = {member: n for n, found in enumerate(clusters) for member in found.members}
    predicted = [label.get(row["person_id"], f"alone:{row['person_id']}") for row in rows]
    gold = [row["leuven_id"] for row in rows]
    precision, recall, f1 = pairwise(predicted, gold)
    largest = max((len(found.members) for found in clusters), default=1)
    # Blocking recall, computed the way cluster() forms its candidate pairs.
    signatures = [_signature(record) for record in records]
    reps: dict[object, Record] = {}
    for signature, record in zip(signatures, records, strict=True):
        reps.setdefault(signature, record)
    order = list(reps)
    index = BlockingIndex()
    for position, signature in enumerate(order):
        index.add(position, record_keys(reps[signature]))
    compared = {frozenset(pair) for pair in index.pairs()}
    position_of = {signature: n for n, signature in enumerate(order)}
    groups = [position_of[s] for s in signatures]
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "blocking_recall": blocking_recall(groups, gold, compared),
        "pairs_scored": len(compared),
        "seconds": elapsed,
        "largest_cluster": largest,
    }


def _osh_record(facility: dict[str, str]) -> Record:
    return Record(
        facility["id"],
        (facility["name"],),
        facility["country"].upper(),
        addresses=(facility["address"],),
    )


def _pair_metrics(counts: Counter[tuple[bool, bool]]) -> tuple[float, float, float]:
    tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def vigil_supply(pairs: list[tuple[bool, dict[str, str], dict[str, str]]]) -> dict[str, float]:
    counts: Counter[tuple[bool, bool]] = Counter()
    blocked = matches = 0
    started = time.perf_counter()
    for same, left, right in pairs:
        a, b = _osh_record(left), _osh_record(right)
        counts[(same, score(a, b).value >= DEFAULT_THRESHOLD)] += 1
        if same:
            matches += 1
            blocked += bool(record_keys(a) & record_keys(b))
    elapsed = time.perf_counter() - started
    precision, recall, f1 = _pair_metrics(counts)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "blocking_recall": blocked / max(matches, 1),
        "pairs_scored": len(pairs),
        "seconds": elapsed,
    }


# -- nomenklatura logic-v2 ---------------------------------------------------------------


def _peer() -> tuple[Callable[..., object], Callable[[object, object], float]]:
    from followthemoney import model
    from nomenklatura.matching import LogicV2

    config = LogicV2.default_config()

    def entity(entity_id: str, name: str, country: str = "", address: str = "") -> object:
        made = model.make_entity("Company")
        made.id = entity_id
        made.add("name", name)
        if country:
            made.add("country", country.lower())
        if address:
            made.add("address", address)
        return made

    def compare(a: object, b: object) -> float:
        return float(LogicV2.compare(a, b, config).score)  # type: ignore[arg-type]

    return entity, compare


def _loose_pairs(names: list[str]) -> set[frozenset[int]]:
    postings: dict[str, list[int]] = defaultdict(list)
    for position, name in enumerate(names):
        for word in set(_WORD.findall(name.lower())):
            postings[word].append(position)
    compared: set[frozenset[int]] = set()
    for items in postings.values():
        if 1 < len(items) <= PEER_MAX_BLOCK:
            compared.update(frozenset(pair) for pair in combinations(items, 2))
    return compared


def peer_patstat(rows: list[dict[str, str]]) -> dict[str, float]:
    entity, compare = _peer()
    started = time.perf_counter()
    names = list(dict.fromkeys(row["person_name"] for row in rows))
    entities = [entity(str(n), name) for n, name in enumerate(names)]
    compared = _loose_pairs(names)
    forest = _Forest()
    for pair in compared:
        i, j = sorted(pair)
        if compare(entities[i], entities[j]) >= PEER_THRESHOLD:
            forest.union(i, j)
    elapsed = time.perf_counter() - started
    position = {name: n for n, name in enumerate(names)}
    groups = [position[row["person_name"]] for row in rows]
    predicted = [forest.find(group) for group in groups]
    gold = [row["leuven_id"] for row in rows]
    precision, recall, f1 = pairwise(predicted, gold)
    return {
        "largest_cluster": max(Counter(predicted).values(), default=1),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "blocking_recall": blocking_recall(groups, gold, compared),  # type: ignore[arg-type]
        "pairs_scored": len(compared),
        "seconds": elapsed,
    }


def peer_supply(pairs: list[tuple[bool, dict[str, str], dict[str, str]]]) -> dict[str, float]:
    entity, compare = _peer()
    counts: Counter[tuple[bool, bool]] = Counter()
    blocked = matches = 0
    started = time.perf_counter()
    for same, left, right in pairs:
        a, b = (entity(f["id"], f["name"], f["country"], f["address"]) for f in (left, right))
        counts[(same, compare(a, b) >= PEER_THRESHOLD)] += 1
        if same:
            matches += 1
            words = (set(_WORD.findall(f["name"].lower())) for f in (left, right))
            blocked += bool(next(words) & next(words))
    elapsed = time.perf_counter() - started
    precision, recall, f1 = _pair_metrics(counts)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "blocking_recall": blocked / max(matches, 1),
        "pairs_scored": len(pairs),
        "seconds": elapsed,
    }


def run() -> list[tuple[str, str, dict[str, float]]]:
    rows, supply = load_patstat(), load_supply_pairs()
    results = []
    jobs: Iterable[tuple[str, str, Callable[[], dict[str, float]]]] = (
        ("patstat raw person_name", "vigil", lambda: vigil_patstat(rows)),
        ("patstat raw person_name", "nomenklatura logic-v2", lambda: peer_patstat(rows)),
        ("open supply hub pairs", "vigil", lambda: vigil_supply(supply)),
        ("open supply hub pairs", "nomenklatura logic-v2", lambda: peer_supply(supply)),
    )
    for dataset, system, job in jobs:
        figures = job()
        results.append((dataset, system, figures))
        shown = " ".join(
            f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
        )
        print(f"{dataset} | {system}: {shown}", flush=True)
    return results


if __name__ == "__main__":
    run()
