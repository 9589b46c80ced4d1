"""Scale, the database side: the generated registry and random typed edges loaded into SQLite
and PostgreSQL, ``match_companies`` through a session, and leverage maps against a raw
recursive SQL query (see ``scale.py`` for the whole benchmark).

Leverage: random typed edges between the companies, loaded into SQLite and PostgreSQL
(a database of this process's own: ``bench_db``), generated as they are loaded (never held
as a list); ``leverage_for_company`` (depth 4) against one raw recursive SQL query that walks
the same expanding edges (owners, parents, joint ventures upward; buyers downward) to depth 4
and then reads the leaf edges of every node reached. The raw query applies none of the map's
rules (merges, dates, percentages, ranking), so it is a floor, not an equivalent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

COUNTRIES = ["NL", "DE", "FR", "GB", "US", "CN", "IN", "BD", "PK", "ID", "BR", "CO", "PE", "MX"]


def bench_db_matching(url: str, typed: list[str], targets: list[int]) -> dict:
    """``match_companies`` through a session; company ids are registry positions + 1."""
    from vigil.companies.match_search import match_companies
    from vigil.core.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    results: dict[str, float] = {"queries": len(typed)}
    hits = 0
    with factory() as session:
        started = time.perf_counter()
        first = match_companies(session, query=typed[0])
        results["first_query_s"] = time.perf_counter() - started
        hits += targets[0] + 1 in [c.company_id for c in first]
        started = time.perf_counter()
        for target, text in zip(targets[1:], typed[1:], strict=True):
            found = match_companies(session, query=text)
            hits += target + 1 in [c.company_id for c in found]
        elapsed = time.perf_counter() - started
    results["qps"] = (len(typed) - 1) / elapsed if len(typed) > 1 else 0.0
    results["recall_at_5"] = hits / len(typed)
    engine.dispose()
    return results


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


def iter_edges(companies: int, relationships: int, seed: int) -> Iterator[tuple]:
    """The random typed edges, generated as they are read (the same ones for every seed)."""
    rng = random.Random(seed)
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    for edge_id in range(1, relationships + 1):
        kind = rng.choice(kinds)
        frm = rng.randrange(1, companies + 1)
        to = rng.randrange(1, companies + 1)
        if kind == "headquartered_in":
            yield (edge_id, kind, frm, None, rng.choice(COUNTRIES), None)
            continue
        if to == frm:
            to = to % companies + 1
        pct = round(rng.uniform(1, 100), 2) if kind in ("ownership", "investor") else None
        yield (edge_id, kind, frm, to, None, pct)


def load_database(
    url: str, registry: list[tuple[str, str]], normalized: list[str], edges: Iterator[tuple]
) -> float:
    from vigil.core.db import make_engine
    from vigil.models import metadata

    started = time.perf_counter()
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    metadata.create_all(engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    tables = (
        (
            "companies",
            "id, name, jurisdiction, actor_kind, ftm_properties, created_at, updated_at",
            (
                (n, name, country, "company", "{}", now, now)
                for n, (name, country) in enumerate(registry, start=1)
            ),
        ),
        (
            "company_names",
            "id, company_id, name, kind, normalized",
            (
                (n, n, name, "primary", key)
                for n, ((name, _country), key) in enumerate(
                    zip(registry, normalized, strict=True), start=1
                )
            ),
        ),
        (
            "company_relationships",
            "id, kind, from_company_id, to_company_id, to_country, percentage, source,"
            " ftm_properties, created_at",
            ((*edge, "bench", "{}", now) for edge in edges),
        ),
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            for table, cols, rows in tables:
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        else:
            cursor.execute("PRAGMA synchronous = OFF")
            for table, cols, rows in tables:
                marks = ", ".join("?" for _ in cols.split(","))
                insert = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, rows)  # type: ignore[arg-type]  # any iterable will do
            raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started


def bench_leverage(url: str, starts: list[int]) -> dict:
    """Both answer each company in turn (which goes first alternates), so a busy machine
    slows both alike."""
    from sqlalchemy import text

    from vigil.companies.leverage import leverage_for_company
    from vigil.core.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    today = date(2026, 1, 1)

    def raw(session, start: int) -> int:  # type: ignore[no-untyped-def]
        return len(session.execute(text(RAW_QUERY), {"start": start}).all())

    def vigil(session, start: int) -> int:  # type: ignore[no-untyped-def]
        found = leverage_for_company(session, company_id=start, max_depth=4, today=today)
        return len(found.entries)

    jobs: dict[str, Callable[[object, int], int]] = {"raw": raw, "vigil": vigil}
    latencies: dict[str, list[float]] = {"raw": [], "vigil": []}
    sizes: dict[str, int] = {"raw": 0, "vigil": 0}
    with factory() as session:
        raw(session, starts[0])  # warm the cache once for both
        for turn, start in enumerate(starts):
            for label in ("raw", "vigil") if turn % 2 == 0 else ("vigil", "raw"):
                began = time.perf_counter()
                sizes[label] += jobs[label](session, start)
                latencies[label].append(time.perf_counter() - began)
    engine.dispose()
    results: dict[str, float] = {}
    for label, found in latencies.items():
        found.sort()
        results[f"{label}_mean_ms"] = 1000 * sum(found) / len(found)
        results[f"{label}_p95_ms"] = 1000 * found[int(len(found) * 0.95)]
    results["raw_rows_per_query"] = sizes["raw"] / len(starts)
    results["vigil_entries_per_map"] = sizes["vigil"] / len(starts)
    return results
