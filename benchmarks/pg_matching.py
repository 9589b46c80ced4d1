"""``match_companies`` on PostgreSQL alone: queries/s and recall@5 of the nearest-name query.

    python benchmarks/pg_matching.py [--companies 100000] [--queries 1000]

The same generated registry and perturbed queries as ``scale.py`` (same seed, so the same
names and the same queries as its "matching through the database" figure), loaded without
relationships into a PostgreSQL database of this process's own (``bench_db``), then
``scale_db.bench_db_matching``: the first query timed apart, the rest for queries/s, and
recall@5 (the company a query was made from among the five shown).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_db import own_postgres_database
from scale import make_registry, perturb
from scale_db import bench_db_matching, iter_edges, load_database


def run(companies: int, queries: int) -> dict[str, float]:
    from vigil.companies.matching import name_key

    rng = random.Random(20261127)  # scale.run's seed
    registry = make_registry(companies, rng)
    normalized = [name_key(name) for name, _country in registry]
    targets = [rng.randrange(len(registry)) for _ in range(queries)]
    typed = [perturb(registry[t][0], rng) for t in targets]
    with own_postgres_database("pgmatch") as url:
        started = time.perf_counter()
        load_database(url, registry, normalized, iter_edges(companies, 0, 0))
        loaded = time.perf_counter() - started
        results = bench_db_matching(url, typed, targets)
    return {"companies": companies, "load_s": loaded, **results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    for key, value in run(args.companies, args.queries).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
