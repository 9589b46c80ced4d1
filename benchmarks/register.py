"""The public register at scale: list/filter pages and the bulk CSV export, each against the
plain database doing the same work, in the same run, alternated.

- **Pages.** ``GET /incidents?…`` through the whole application (routing, filters, the
  register's query, the capped count, templates), in process, against the raw SQL of the
  page's own query (``filtered_incidents`` + keyset + limit, compiled with literal values and
  run on a DBAPI cursor, rows fetched). Which goes first alternates per repetition, so a busy
  machine slows both alike. Target: page p95 ≤ 3× the raw query's p95.
- **Export.** ``vigil export incidents --format csv`` (a separate process, as a user runs
  it) against ``sqlite3 -csv`` / PostgreSQL ``COPY … TO STDOUT CSV`` (through ``psql``)
  writing the same columns from one SQL statement. Target: Vigil ≥ 50 % of their speed,
  with the export process's peak RSS (its ``VmHWM``, polled) under 300 MiB.

The rows come from ``register_data`` (generated straight into the register's tables). The
PostgreSQL database is this process's own (``bench_db``).
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_db import own_postgres_database
from register_data import load_register

_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]
QUERIES: list[dict[str, str]] = [
    {},
    {"country": "CO"},
    {"country": "BR", "attack_type": "killing"},
    {"year": "2021"},
    {"sector": "mining"},
    {"attack_type": "death_threat", "defender_type": "indigenous_peoples"},
    {"response_status": "did_not_respond", "country": "MX"},
    {"q": "river"},
    {"country": "PH", "year": "2019", "q": "palm"},
]
REPEATS = 50
BASE_URL = "https://register.example"


SECRET_KEY = secrets.token_urlsafe(48)
MASTER_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _settings(url: str, scratch: Path):  # type: ignore[no-untyped-def]
    from vigil.core.config import Environment, Settings

    return Settings(
        env=Environment.test,
        data_dir=scratch / "var",
        database_url=url,
        secret_key=SECRET_KEY,
        master_key=MASTER_KEY,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def bench_pages(url: str, scratch: Path) -> dict[str, object]:
    from fastapi.testclient import TestClient
    from sqlalchemy.dialects import postgresql, sqlite

    from vigil.app import create_app
    from vigil.core.db import make_engine, make_sessionmaker
    from vigil.public.register import RegisterFilters, filtered_incidents
    from vigil.public.register_pages import PAGE_SIZE

    engine = make_engine(url)
    dialect = postgresql.dialect() if engine.dialect.name == "postgresql" else sqlite.dialect()
    app = create_app(_settings(url, scratch), session_factory=make_sessionmaker(engine))
    timings: dict[str, list[float]] = {"page": [], "raw": []}
    per_query: list[dict[str, object]] = []
    with TestClient(app, base_url="https://testserver") as client:
        raw = engine.raw_connection()
        for params in QUERIES:
            query = filtered_incidents(RegisterFilters.from_query(params)).limit(PAGE_SIZE + 1)
            sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

            def page(params: dict[str, str] = params) -> int:
                response = client.get("/incidents", params=params)
                assert response.status_code == 200, response.text[:300]
                return len(response.content)

            def raw_sql(sql: str = sql) -> int:
                cursor = raw.cursor()
                cursor.execute(sql)
                return len(cursor.fetchall())

            jobs: dict[str, Callable[[], int]] = {"page": page, "raw": raw_sql}
            mine: dict[str, list[float]] = {"page": [], "raw": []}
            page(), raw_sql()  # warm both once
            for turn in range(REPEATS):
                for label in ("page", "raw") if turn % 2 == 0 else ("raw", "page"):
                    began = time.perf_counter()
                    jobs[label]()
                    mine[label].append(time.perf_counter() - began)
            for label in mine:
                timings[label] += mine[label]
            per_query.append(
                {
                    "query": params,
                    "page_p95_ms": 1000 * _percentile(mine["page"], 0.95),
                    "raw_p95_ms": 1000 * _percentile(mine["raw"], 0.95),
                }
            )
        raw.close()
    engine.dispose()
    page_p95, raw_p95 = _percentile(timings["page"], 0.95), _percentile(timings["raw"], 0.95)
    return {
        "page_p95_ms": 1000 * page_p95,
        "raw_p95_ms": 1000 * raw_p95,
        "page_p50_ms": 1000 * _percentile(timings["page"], 0.5),
        "raw_p50_ms": 1000 * _percentile(timings["raw"], 0.5),
        "ratio_p95": page_p95 / raw_p95,
        "per_query": per_query,
    }


def export_sql(base_url: str) -> str:
    """The export's columns from one statement, in the register's order (the same cells
    Vigil writes: the many-valued fields are stored joined, the URL is the code's page)."""
    columns = (
        "code, title, year, month, occurred_on, country, region, place, sector, attack_types, "
        "defender_types, genders, companies, response_status, summary, "
        f"'{base_url}/incidents/' || code, published_at"
    )
    order = "ORDER BY sort_date DESC, id DESC"
    return f"SELECT {columns} FROM public_incidents {order}"  # noqa: S608  (constants only)


def _peak_rss_mib(pid: int) -> float | None:
    """The process's own high-water RSS (``VmHWM``: its memory since ``exec``, not what it
    inherited from this benchmark at ``fork``, which ``wait4``'s ``ru_maxrss`` would add)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _run(command: list[str], env: dict[str, str] | None, out: Path) -> tuple[float, float]:
    """Seconds and the peak RSS (MiB) of this one process, read every 20 ms while it runs
    (a high-water mark, so a late reading holds every earlier peak)."""
    began = time.perf_counter()
    peak = 0.0
    with out.open("wb") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle)  # noqa: S603
        while process.poll() is None:
            peak = max(peak, _peak_rss_mib(process.pid) or 0.0)
            time.sleep(0.02)
    elapsed = time.perf_counter() - began
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited with {process.returncode}")
    return elapsed, peak


def bench_export(url: str, scratch: Path, sqlite_path: Path | None) -> dict[str, object]:
    settings = _settings(url, scratch)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_ENV="test",
        VIGIL_DATA_DIR=str(settings.data_dir),
        VIGIL_DATABASE_URL=url,
        VIGIL_SECRET_KEY=SECRET_KEY,
        VIGIL_MASTER_KEY=MASTER_KEY,
        VIGIL_LOG_LEVEL="WARNING",
        VIGIL_BASE_URL=BASE_URL,
    )
    ours_file, theirs_file = scratch / "vigil.csv", scratch / "baseline.csv"
    vigil = [*VIGIL, "export", "incidents", "--format", "csv", "--output", str(ours_file)]
    if sqlite_path is not None:
        baseline = ["sqlite3", "-csv", "-header", str(sqlite_path), export_sql(BASE_URL)]
    else:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        copy = f"COPY ({export_sql(BASE_URL)}) TO STDOUT WITH (FORMAT csv, HEADER)"
        baseline = ["psql", "-X", "-q", dsn, "-c", copy]
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for turn in range(3):
        order = ("vigil", "baseline") if turn % 2 == 0 else ("baseline", "vigil")
        for label in order:
            if label == "vigil":
                ours.append(_run(vigil, env, scratch / "vigil.stdout"))
            else:
                theirs.append(_run(baseline, None, theirs_file))
    ours_rows = sum(1 for _ in ours_file.open("rb")) - 1
    theirs_rows = sum(1 for _ in theirs_file.open("rb")) - 1
    best_ours, best_theirs = min(t for t, _ in ours), min(t for t, _ in theirs)
    return {
        "vigil_seconds": best_ours,
        "baseline_seconds": best_theirs,
        "speed_share": best_theirs / best_ours,
        "vigil_peak_rss_mib": max(r for _, r in ours),
        "baseline_peak_rss_mib": max(r for _, r in theirs),
        "vigil_rows": ours_rows,
        "baseline_rows": theirs_rows,
        "vigil_bytes": ours_file.stat().st_size,
        "baseline_bytes": theirs_file.stat().st_size,
    }


def run(incidents: int, *, postgres: bool = True) -> dict[str, object]:
    results: dict[str, object] = {"incidents": incidents}
    with tempfile.TemporaryDirectory(prefix="vigil-register-") as folder:
        scratch = Path(folder)
        path = scratch / "register.db"
        url = f"sqlite:///{path}"
        results["sqlite_load_s"] = load_register(url, incidents)
        results["sqlite_pages"] = bench_pages(url, scratch)
        print("register pages sqlite:", results["sqlite_pages"], flush=True)
        results["sqlite_export"] = bench_export(url, scratch, path)
        print("register export sqlite:", results["sqlite_export"], flush=True)
        if postgres:
            with own_postgres_database("register") as pg_url:
                results["postgresql_load_s"] = load_register(pg_url, incidents)
                results["postgresql_pages"] = bench_pages(pg_url, scratch)
                print("register pages postgresql:", results["postgresql_pages"], flush=True)
                results["postgresql_export"] = bench_export(pg_url, scratch, None)
                print("register export postgresql:", results["postgresql_export"], flush=True)
    return results


def report_lines(results: dict[str, object]) -> list[str]:
    n = results["incidents"]
    lines = []
    for db in ("sqlite", "postgresql"):
        pages = results.get(f"{db}_pages")
        export = results.get(f"{db}_export")
        if isinstance(pages, dict):
            lines.append(
                f"| register {db}, {n:,} incidents: list/filter page p95 ms (vs the raw SQL of "
                f"the same query; target ≤ 3×) | {pages['page_p95_ms']:.1f} "
                f"| {pages['raw_p95_ms']:.1f} | {pages['ratio_p95']:.2f}× |"
            )
        if isinstance(export, dict):
            tool = "sqlite3 -csv" if db == "sqlite" else "psql COPY"
            lines.append(
                f"| register {db}: CSV export s (vs {tool}; speed share, target ≥ 50 %) "
                f"| {export['vigil_seconds']:.1f} | {export['baseline_seconds']:.1f} "
                f"| {100 * export['speed_share']:.0f} % |"
            )
            lines.append(
                f"| register {db}: export peak RSS MiB (target < 300) "
                f"| {export['vigil_peak_rss_mib']:.0f} | {export['baseline_peak_rss_mib']:.0f} "
                "| – |"
            )
    return lines
