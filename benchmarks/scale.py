"""Scale: a generated registry (perturbed real names, known truth), match queries and
leverage maps.

Registry: ``--companies`` names made of words taken from the real names in tests/data
(PATSTAT raw applicants, Open Supply Hub facilities and compliance list) plus a legal form,
each name distinct. Queries: ``--queries`` names of random registry companies, perturbed (a
typo, a dropped or swapped legal form, words reordered, letters changed in case, a word
dropped); the truth is the company the query was made from.

Matching in memory: what ``match_search`` does on SQLite, without the database — the names
filed in a :class:`~vigil.companies.name_index.NameIndex` (match keys worked out when filed),
at most ``CANDIDATE_POOL`` candidates per query, all of them valued at once by
``query_values``, the best five explained by ``score``. The baseline is a raw rapidfuzz scan
(``process.extract``, WRatio, top 5) of the *same* candidates over the stored normalised
names. Both include candidate generation; the two are timed in alternation, three rounds,
each starting with the matcher's caches emptied, and the best round of each counts (the
machine is shared). Throughput, recall@5, peak RSS.

Matching through the database: ``match_companies`` itself for ``--db-queries`` of the same
queries, on SQLite (the name index kept in memory between queries; the first query, which
builds it, is timed apart) and PostgreSQL (pg_trgm). No baseline: reported as measured.

Leverage (``--relationships`` random typed edges, ``--leverage`` maps) and the databases
themselves: ``scale_db.py``. The edges are generated as they are loaded, never held as a
list, so the full scale (1,000,000 companies, 5,000,000 edges) stays under 2 GiB.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import os
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_db import own_postgres_database
from rapidfuzz import fuzz, process
from scale_db import COUNTRIES, bench_db_matching, bench_leverage, iter_edges, load_database

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
FORMS = ["", "", "Ltd", "Limited", "GmbH", "S.A.", "B.V.", "N.V.", "Inc.", "LLC", "plc", "SAS"]
FORMS += ["Ltda", "S.p.A.", "AG", "Co., Ltd.", "PT", "Tbk", "Pvt Ltd", "Corporation", "Oy"]


def rss_mib() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def real_words() -> list[str]:
    names: list[str] = []
    with (DATA / "patstat" / "patstat_reference.csv").open(newline="", encoding="utf-8") as f:
        names += [row["person_name"] for row in csv.DictReader(f)]
    supply = json.loads((DATA / "open-supply-hub" / "training.json").read_text("utf-8"))
    names += [v["name"] for label in supply.values() for item in label for v in item["__value__"]]
    compliance = DATA / "open-supply-hub" / "Winter 2019 Compliance List V2.csv"
    with compliance.open(newline="", encoding="utf-8") as f:
        names += [row["name"] for row in csv.DictReader(f)]
    words = {
        w.strip(".,'\"()*&-").capitalize()
        for name in names
        for w in name.split()
        if len(w.strip(".,'\"()*&-")) >= 3 and w.strip(".,'\"()*&-").isalpha()
    }
    return sorted(words)


def make_registry(n: int, rng: random.Random) -> list[tuple[str, str]]:
    words = real_words()
    seen: set[str] = set()
    registry: list[tuple[str, str]] = []
    while len(registry) < n:
        core = " ".join(rng.sample(words, rng.choice((2, 2, 3, 3, 4))))
        if core.lower() in seen:
            continue
        seen.add(core.lower())
        form = rng.choice(FORMS)
        registry.append((f"{core} {form}".strip(), rng.choice(COUNTRIES)))
    return registry


def perturb(name: str, rng: random.Random) -> str:
    words = name.split()
    for _ in range(rng.choice((1, 1, 2))):
        choice = rng.randrange(6)
        if choice == 0:  # typo in a random word
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(1, len(w) - 1)
                op = rng.randrange(3)
                if op == 0:
                    w = w[:j] + w[j + 1 :]
                elif op == 1:
                    w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
                else:
                    w = w[:j] + rng.choice("aeioulnrst") + w[j + 1 :]
                words[i] = w
        elif choice == 1:  # legal form changed
            words.append(rng.choice(FORMS[2:]))
        elif choice == 2 and len(words) > 2:  # word order
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        elif choice == 3:
            words = [w.upper() for w in words]
        elif choice == 4 and len(words) > 3:  # a word dropped
            del words[rng.randrange(len(words))]
        else:
            words = [w.lower() for w in words]
    return " ".join(words)


# -- matching ---------------------------------------------------------------------------


def best_of(
    rounds: int, jobs: dict[str, Callable[[], object]], before: Callable[[], None]
) -> dict[str, float]:
    """Seconds of the fastest of ``rounds`` runs of each job, the jobs taken in turn, each
    run after ``before``."""
    best = {label: float("inf") for label in jobs}
    for _ in range(rounds):
        for label, job in jobs.items():
            before()
            started = time.perf_counter()
            job()
            best[label] = min(best[label], time.perf_counter() - started)
    return best


def cold_caches() -> None:
    """Forget what the matcher remembers between calls: every round starts as a first one."""
    from vigil.companies import matching

    for cached in (
        matching.match_key,
        matching.legal_forms,
        matching.name_similarity,
        matching.address_similarity,
    ):
        cached.cache_clear()


def bench_matching(
    registry: list[tuple[str, str]],
    normalized: list[str],
    typed: list[str],
    targets: list[int],
    rounds: int = 3,
) -> dict:
    from vigil.companies.match_search import CANDIDATE_POOL, MIN_SCORE
    from vigil.companies.matching import Record, match_key, name_key, query_values, score
    from vigil.companies.name_index import NameIndex

    before = current_rss_mib()
    started = time.perf_counter()
    index = NameIndex()
    for position, ((name, _country), key) in enumerate(zip(registry, normalized, strict=True)):
        index.add(position, name, key)
    build = time.perf_counter() - started
    index_mib = current_rss_mib() - before

    def candidates(text: str) -> list[int]:
        return index.candidates(text, limit=CANDIDATE_POOL)

    def vigil(text: str) -> list[int]:
        found = candidates(text)
        values = query_values(
            match_key(text),
            [index.keys[position] for position in found],
            countries=[registry[position][1] for position in found],
        )
        kept = [
            (-value, -spelling, position)
            for position, (value, spelling) in zip(found, values, strict=True)
            if value >= MIN_SCORE
        ]
        ranked: list[tuple[float, float, str, int]] = []
        if kept:  # the best five; equal values and spellings: alphabetical, as match_search
            tie = heapq.nsmallest(5, kept)[-1][:2]
            ranked = sorted(
                (value, spelling, registry[position][0].casefold(), position)
                for value, spelling, position in kept
                if (value, spelling) <= tie
            )[:5]
        query = Record("query", (text,))
        shown = []
        for *_order, position in ranked:  # the explanation is part of every answer
            name, country = registry[position]
            other = Record(position, (name,), country=country, keys=(index.keys[position],))
            score(query, other, query=True).explain()
            shown.append(position)
        return shown

    def baseline(text: str) -> list[int]:
        found = candidates(text)
        choices = {position: normalized[position] for position in found}
        best = process.extract(name_key(text), choices, scorer=fuzz.WRatio, limit=5)
        return [position for _choice, _score, position in best]

    results: dict[str, float] = {
        "companies": len(registry),
        "queries": len(typed),
        "index_build_s": build,
        "index_rss_mib": index_mib,
    }
    pairs = list(zip(targets, typed, strict=True))
    results["blocking_recall"] = sum(t in set(candidates(q)) for t, q in pairs) / len(pairs)
    for label, matcher in (("baseline", baseline), ("vigil", vigil)):
        results[f"{label}_recall_at_5"] = sum(t in matcher(q) for t, q in pairs) / len(pairs)
    seconds = best_of(
        rounds,
        {
            "baseline": lambda: [baseline(q) for q in typed],
            "vigil": lambda: [vigil(q) for q in typed],
        },
        before=cold_caches,
    )
    for label, elapsed in seconds.items():
        results[f"{label}_qps"] = len(typed) / elapsed
    results["peak_rss_mib"] = rss_mib()
    return results


def run(
    companies: int,
    relationships: int,
    queries: int,
    leverage: int,
    *,
    postgres: bool = True,
    db_queries: int = 1_000,
) -> dict:
    from vigil.companies.matching import name_key

    rng = random.Random(20261127)
    results: dict[str, object] = {}
    started = time.perf_counter()
    registry = make_registry(companies, rng)
    normalized = [name_key(name) for name, _country in registry]  # what the database stores
    results["generate_s"] = time.perf_counter() - started
    targets = [rng.randrange(len(registry)) for _ in range(queries)]
    typed = [perturb(registry[t][0], rng) for t in targets]
    results["matching"] = bench_matching(registry, normalized, typed, targets)
    print("matching:", results["matching"], flush=True)
    edge_seed = rng.randrange(2**32)
    starts = [rng.randrange(1, companies + 1) for _ in range(leverage)]
    db_typed, db_targets = typed[:db_queries], targets[:db_queries]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        edges = iter_edges(companies, relationships, edge_seed)
        load = load_database(url, registry, normalized, edges)
        results["matching_sqlite"] = bench_db_matching(url, db_typed, db_targets)
        print("matching sqlite:", results["matching_sqlite"], flush=True)
        results["leverage_sqlite"] = {"load_s": load, **bench_leverage(url, starts)}
        print("leverage sqlite:", results["leverage_sqlite"], flush=True)
    if postgres:
        with own_postgres_database("scale") as pg_url:
            edges = iter_edges(companies, relationships, edge_seed)
            load = load_database(pg_url, registry, normalized, edges)
            results["matching_postgresql"] = bench_db_matching(pg_url, db_typed, db_targets)
            print("matching postgresql:", results["matching_postgresql"], flush=True)
            results["leverage_postgresql"] = {"load_s": load, **bench_leverage(pg_url, starts)}
            print("leverage postgresql:", results["leverage_postgresql"], flush=True)
    results["peak_rss_mib"] = rss_mib()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--relationships", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--leverage", type=int, default=1_000)
    parser.add_argument("--db-queries", type=int, default=1_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    run(
        args.companies,
        args.relationships,
        args.queries,
        args.leverage,
        postgres=not args.no_postgres,
        db_queries=args.db_queries,
    )


if __name__ == "__main__":
    main()
