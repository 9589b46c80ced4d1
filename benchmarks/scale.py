"""Scale: a generated registry (perturbed real names, known truth), match queries and
leverage maps.

Registry: ``--companies`` names made of words taken from the real names in tests/data
(PATSTAT raw applicants, Open Supply Hub facilities and compliance list) plus a legal form,
each name distinct. Queries: ``--queries`` names of random registry companies, perturbed (a
typo, a dropped or swapped legal form, words reordered, letters changed in case, a word
dropped); the truth is the company the query was made from.

Matching: the in-memory path of ``match_search`` (names filed in a ``BlockingIndex`` under
``_query_keys``, at most ``CANDIDATE_POOL`` candidates, each scored with ``score(query=True)``),
against the baseline, a raw rapidfuzz scan (``process.extract``, WRatio, top 5) of the *same*
candidate blocks over the stored normalised names. Throughput, recall@5 and peak RSS.

Leverage: ``--relationships`` random typed edges between the companies, loaded into SQLite and
PostgreSQL (database ``vigil_bench``, created and dropped here); ``leverage_for_company`` for
``--leverage`` random companies (depth 4) against one raw recursive SQL query that walks the
same expanding edges (owners, parents, joint ventures upward; buyers downward) to depth 4 and
then reads the leaf edges of every node reached. The raw query applies none of the map's rules
(merges, dates, percentages, ranking), so it is a floor, not an equivalent.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from rapidfuzz import fuzz, process

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench"
FORMS = ["", "", "Ltd", "Limited", "GmbH", "S.A.", "B.V.", "N.V.", "Inc.", "LLC", "plc", "SAS"]
FORMS += ["Ltda", "S.p.A.", "AG", "Co., Ltd.", "PT", "Tbk", "Pvt Ltd", "Corporation", "Oy"]
COUNTRIES = ["NL", "DE", "FR", "GB", "US", "CN", "IN", "BD", "PK", "ID", "BR", "CO", "PE", "MX"]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def bench_matching(registry: list[tuple[str, str]], queries: int, rng: random.Random) -> dict:
    from vigil.companies.blocking import BlockingIndex
    from vigil.companies.match_search import CANDIDATE_POOL, MIN_SCORE, _query_keys
    from vigil.companies.matching import Record, match_key, name_key, score

    started = time.perf_counter()
    normalized = [name_key(name) for name, _country in registry]
    index = BlockingIndex()
    for position, key in enumerate(normalized):
        index.add(position, _query_keys(key))
    build = time.perf_counter() - started
    targets = [rng.randrange(len(registry)) for _ in range(queries)]
    typed = [perturb(registry[t][0], rng) for t in targets]

    def candidates(text: str) -> list[int]:
        keys = _query_keys(name_key(text)) | _query_keys(match_key(text))
        return index.candidates(keys, limit=CANDIDATE_POOL)  # type: ignore[return-value]

    def vigil(text: str) -> list[int]:
        query = Record("query", (text,))
        scored = []
        for position in candidates(text):
            name, country = registry[position]
            value = score(query, Record(position, (name,), country=country), query=True).value
            if value >= MIN_SCORE:
                scored.append((-value, name.casefold(), position))
        return [position for *_rest, position in sorted(scored)[:5]]

    def baseline(text: str) -> list[int]:
        found = candidates(text)
        choices = {position: normalized[position] for position in found}
        best = process.extract(name_key(text), choices, scorer=fuzz.WRatio, limit=5)
        return [position for _choice, _score, position in best]

    results = {"companies": len(registry), "queries": queries, "index_build_s": build}
    blocked = sum(t in set(candidates(q)) for t, q in zip(targets, typed, strict=True))
    results["blocking_recall"] = blocked / queries
    for label, matcher in (("baseline", baseline), ("vigil", vigil)):
        started = time.perf_counter()
        hits = sum(t in matcher(q) for t, q in zip(targets, typed, strict=True))
        elapsed = time.perf_counter() - started
        results[f"{label}_qps"] = queries / elapsed
        results[f"{label}_recall_at_5"] = hits / queries
    results["peak_rss_mib"] = rss_mib()
    return results


# -- leverage ---------------------------------------------------------------------------

KINDS = [
    ("ownership", 25),
    ("parent_subsidiary", 5),
    ("joint_venture", 5),
    ("supplier_buyer", 30),
    ("investor", 12),
    ("lender", 8),
    ("security_provider", 3),
    ("msi_member", 5),
    ("headquartered_in", 7),
]
GROUP_UP = ("ownership", "parent_subsidiary", "joint_venture")
EXPAND_DOWN = ("joint_venture", "supplier_buyer")
INCOMING = ("ownership", "parent_subsidiary", "joint_venture", "investor", "lender")
INCOMING += ("security_provider",)
OUTGOING = ("joint_venture", "supplier_buyer", "msi_member", "headquartered_in")


def _in(kinds: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{k}'" for k in kinds) + ")"


# Built from the constant kind lists above only.
RAW_QUERY = f"""
WITH RECURSIVE walk(id, depth) AS (
    SELECT CAST(:start AS INTEGER), 0
    UNION
    SELECT CASE WHEN r.to_company_id = w.id THEN r.from_company_id ELSE r.to_company_id END,
           w.depth + 1
    FROM walk w JOIN company_relationships r
      ON (r.to_company_id = w.id AND r.kind IN {_in(GROUP_UP)})
      OR (r.from_company_id = w.id AND r.kind IN {_in(EXPAND_DOWN)})
    WHERE w.depth < 4
)
SELECT r.id, r.kind, r.from_company_id, r.to_company_id, r.to_country, r.percentage
FROM company_relationships r
WHERE r.to_company_id IN (SELECT id FROM walk) AND r.kind IN {_in(INCOMING)}
UNION
SELECT r.id, r.kind, r.from_company_id, r.to_company_id, r.to_country, r.percentage
FROM company_relationships r
WHERE r.from_company_id IN (SELECT id FROM walk) AND r.kind IN {_in(OUTGOING)}
"""  # noqa: S608


def make_edges(companies: int, relationships: int, rng: random.Random) -> list[tuple]:
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    edges = []
    for edge_id in range(1, relationships + 1):
        kind = rng.choice(kinds)
        frm = rng.randrange(1, companies + 1)
        to = rng.randrange(1, companies + 1)
        if kind == "headquartered_in":
            edges.append((edge_id, kind, frm, None, rng.choice(COUNTRIES), None))
            continue
        if to == frm:
            to = to % companies + 1
        pct = round(rng.uniform(1, 100), 2) if kind in ("ownership", "investor") else None
        edges.append((edge_id, kind, frm, to, None, pct))
    return edges


def load_database(url: str, registry: list[tuple[str, str]], edges: list[tuple]) -> float:
    from vigil.core.db import make_engine
    from vigil.models import metadata

    started = time.perf_counter()
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    metadata.create_all(engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    company_rows = [
        (n, name, country, "company", "{}", now, now)
        for n, (name, country) in enumerate(registry, start=1)
    ]
    edge_rows = [(*edge, "bench", "{}", now) for edge in edges]
    company_cols = "id, name, jurisdiction, actor_kind, ftm_properties, created_at, updated_at"
    edge_cols = "id, kind, from_company_id, to_company_id, to_country, percentage, source,"
    edge_cols += " ftm_properties, created_at"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            for table, cols, rows in (
                ("companies", company_cols, company_rows),
                ("company_relationships", edge_cols, edge_rows),
            ):
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
            cursor.execute("ANALYZE")
        else:
            cursor.executemany(
                f"INSERT INTO companies ({company_cols}) VALUES (?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                company_rows,
            )
            cursor.executemany(
                f"INSERT INTO company_relationships ({edge_cols})"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                edge_rows,
            )
            raw.commit()
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started


def bench_leverage(url: str, starts: list[int]) -> dict:
    from sqlalchemy import text

    from vigil.companies.leverage import leverage_for_company
    from vigil.core.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    today = date(2026, 1, 1)
    results: dict[str, float] = {}
    entries = rows = 0

    def timed(job: Callable[[object, int], int]) -> tuple[float, float]:
        latencies = []
        total = 0
        with factory() as session:
            for start in starts:
                began = time.perf_counter()
                total += job(session, start)
                latencies.append(time.perf_counter() - began)
        latencies.sort()
        return sum(latencies) / len(latencies), latencies[int(len(latencies) * 0.95)]

    def raw(session, start: int) -> int:  # type: ignore[no-untyped-def]
        return len(session.execute(text(RAW_QUERY), {"start": start}).all())

    def vigil(session, start: int) -> int:  # type: ignore[no-untyped-def]
        found = leverage_for_company(session, company_id=start, max_depth=4, today=today)
        return len(found.entries)

    raw(factory(), starts[0])  # warm the cache once for both
    results["raw_mean_ms"], results["raw_p95_ms"] = (1000 * v for v in timed(raw))
    results["vigil_mean_ms"], results["vigil_p95_ms"] = (1000 * v for v in timed(vigil))
    with factory() as session:
        for start in starts[:50]:
            rows += raw(session, start)
            entries += vigil(session, start)
    results["raw_rows_per_query"] = rows / min(len(starts), 50)
    results["vigil_entries_per_map"] = entries / min(len(starts), 50)
    engine.dispose()
    return results


def postgres_database(create: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS vigil_bench WITH (FORCE)"))
        if create:
            connection.execute(text("CREATE DATABASE vigil_bench"))
    engine.dispose()


def run(
    companies: int, relationships: int, queries: int, leverage: int, *, postgres: bool = True
) -> dict:
    rng = random.Random(20261127)
    results: dict[str, object] = {}
    started = time.perf_counter()
    registry = make_registry(companies, rng)
    results["generate_s"] = time.perf_counter() - started
    results["matching"] = bench_matching(registry, queries, rng)
    print("matching:", results["matching"], flush=True)
    edges = make_edges(companies, relationships, rng)
    starts = [rng.randrange(1, companies + 1) for _ in range(leverage)]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        load = load_database(url, registry, edges)
        results["leverage_sqlite"] = {"load_s": load, **bench_leverage(url, starts)}
        print("leverage sqlite:", results["leverage_sqlite"], flush=True)
    if postgres:
        postgres_database(create=True)
        try:
            load = load_database(PG_BENCH, registry, edges)
            results["leverage_postgresql"] = {"load_s": load, **bench_leverage(PG_BENCH, starts)}
            print("leverage postgresql:", results["leverage_postgresql"], flush=True)
        finally:
            postgres_database(create=False)
    results["peak_rss_mib"] = rss_mib()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--relationships", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--leverage", type=int, default=1_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    run(
        args.companies,
        args.relationships,
        args.queries,
        args.leverage,
        postgres=not args.no_postgres,
    )


if __name__ == "__main__":
    main()
