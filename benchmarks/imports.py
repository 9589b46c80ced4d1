"""Importing 100,000 incident rows: ``vigil import incidents`` against a plain script doing
the same inserts, on SQLite and PostgreSQL, in the same run, alternated.

- **Vigil.** ``vigil import incidents FILE --map MAPPING --org SLUG`` as a separate process,
  as a user runs it, on the messy spreadsheet of ``imports_data`` (10,000 rows, which also
  warm the machine up, then 100,000). Each run goes into an organisation of its own, so no
  row is skipped as already imported. Per row it decodes and parses the CSV, maps the file's
  words onto the vocabularies, resolves country and region names, parses day-first dates,
  checks every value, and writes through the services: one defender (name sealed with a
  data key of its own, blind index and name tokens), one incident (summary and place sealed
  with another new data key, audited in the hash-chained log), its acts and involvements,
  its source, and the imported-record rows that make a re-run skip it; one transaction per
  500 rows with the run's checkpoint. Also the dry run (everything but the writes).
- **Baseline.** ``baseline_insert`` (this file, run as a separate process too): reads the
  same CSV with the ``csv`` module and, per row, inserts one defender, one incident, one act
  per ``;``-separated value of the attack column and one source, with ``executemany`` in
  batches of 500 rows, a commit per batch. Sealed fields are opaque random bytes of the size
  Vigil's sealed values have (AES-GCM: the text + 28 bytes), one data-key row per sealed
  record. It does **no** mapping (a fixed attack type, sector and country), **no**
  validation, **no** date or country parsing, **no** encryption, no blind index or name
  tokens, no audit entries, no import-run bookkeeping: the floor any import of the same
  rows pays for the same inserts. The ratio is Vigil's time over that floor.

Peak RSS is each import process's own ``VmHWM`` polled from /proc (``register._run``):
flat memory means the peak at 100,000 rows is close to the peak at 10,000. The PostgreSQL
database is this process's own (``bench_db``). Target (issue #15): 100,000 rows in well
under a few minutes on both databases, with flat memory.
"""

from __future__ import annotations

import base64
import csv
import os
import resource
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_db import own_postgres_database
from imports_data import write_csv
from register import VIGIL
from register import _run as _run_polled

BATCH = 500
#: Rows per run: the first run also warms the machine up; flat memory compares the two.
SIZES = (10_000, 100_000)
SECRET_KEY = secrets.token_urlsafe(48)
MASTER_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
#: AES-GCM's nonce and tag around a sealed value.
SEAL_OVERHEAD = 28


def _run(command: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system, from the reaped child's
    rusage) of one process: on a busy machine the CPU time says what the work costs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak = _run_polled(command, env, out)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, peak, cpu


def _plain_env() -> dict[str, str]:
    """The environment with compiled bytecode cached outside the tree, as an installed
    Vigil has it (a shell with ``PYTHONDONTWRITEBYTECODE`` would recompile ~800 modules,
    some 10 s, at every start of either process)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "vigil-bench-pyc"))
    return env


def _env(url: str, scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in _plain_env().items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_ENV="test",
        VIGIL_DATA_DIR=str(scratch / "var"),
        VIGIL_DATABASE_URL=url,
        VIGIL_SECRET_KEY=SECRET_KEY,
        VIGIL_MASTER_KEY=MASTER_KEY,
        VIGIL_LOG_LEVEL="WARNING",
    )
    return env


def prepare(url: str, env: dict[str, str], scratch: Path, orgs: list[str]) -> None:
    """Keys and schema as a user sets them up, then one organisation per run."""
    from sqlalchemy.orm import sessionmaker

    from vigil.core.db import make_engine, session_scope
    from vigil.organisations.service import ensure_organisation

    for command in (["keys", "init"], ["db", "upgrade"]):
        _run_polled([*VIGIL, *command], env, scratch / "setup.out")
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        for slug in orgs:
            ensure_organisation(session, slug=slug, name=slug)
    engine.dispose()


def _count(url: str, table: str, org: str) -> int:
    from sqlalchemy import text

    from vigil.core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text(
                f"SELECT count(*) FROM {table} t JOIN organisations o "  # noqa: S608 (constants)
                "ON o.id = t.organisation_id WHERE o.slug = :slug"
            ),
            {"slug": org},
        ).scalar_one()
    engine.dispose()
    return int(found)


def _vigil(csv_path: Path, org: str, env: dict[str, str], out: Path, *, dry: bool = False):  # type: ignore[no-untyped-def]
    command = [*VIGIL, "import", "incidents", str(csv_path), "--map"]
    command += [str(csv_path.with_suffix(".toml")), "--org", org, "--format", "json"]
    command += ["--batch-size", str(BATCH)] + (["--dry-run"] if dry else [])
    return _run(command, env, out)


def _baseline(csv_path: Path, url: str, org: str, out: Path):  # type: ignore[no-untyped-def]
    command = [sys.executable, __file__, "--baseline", str(csv_path), url, org]
    return _run(command, _plain_env(), out)


def bench_database(url: str, scratch: Path, files: dict[int, Path]) -> dict[str, object]:
    env = _env(url, scratch)
    orgs = [f"{who}-{n}" for n in files for who in ("vigil", "base", "dry")]
    prepare(url, env, scratch, orgs)
    found: dict[str, object] = {}
    for turn, n in enumerate(files):
        order = ("vigil", "base") if turn % 2 == 0 else ("base", "vigil")
        for who in order:
            out = scratch / f"{who}-{n}.out"
            if who == "vigil":
                seconds, peak, cpu = _vigil(files[n], f"vigil-{n}", env, out)
            else:
                seconds, peak, cpu = _baseline(files[n], url, f"base-{n}", out)
            rows = _count(url, "incidents", f"{who}-{n}")
            found[f"{who}_{n}"] = {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mib": peak,
                "incidents": rows,
            }
            print(f"imports {who} {n:,}: {found[f'{who}_{n}']}", flush=True)
        seconds, peak, cpu = _vigil(files[n], f"dry-{n}", env, scratch / f"dry-{n}.out", dry=True)
        found[f"dry_{n}"] = {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mib": peak}
        print(f"imports dry run {n:,}: {found[f'dry_{n}']}", flush=True)
    return found


def run(
    sizes: tuple[int, ...] = SIZES, *, postgres: bool = True, sqlite: bool = True
) -> dict[str, object]:
    results: dict[str, object] = {
        "batch": BATCH,
        "sizes": list(sizes),
        "load_average": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="vigil-imports-") as folder:
        scratch = Path(folder)
        files = {n: scratch / f"incidents-{n}.csv" for n in sizes}
        for n, path in files.items():
            write_csv(path, n)
        sqlite_dir = scratch / "sqlite"
        sqlite_dir.mkdir()
        url = f"sqlite:///{sqlite_dir / 'vigil.db'}"
        if sqlite:
            results["sqlite"] = bench_database(url, sqlite_dir, files)
        if postgres:
            pg_dir = scratch / "postgresql"
            pg_dir.mkdir()
            with own_postgres_database("imports") as pg_url:
                results["postgresql"] = bench_database(pg_url, pg_dir, files)
    results["load_average_after"] = os.getloadavg()
    return results


def report_lines(results: dict[str, object]) -> list[str]:
    lines = []
    sizes = results["sizes"]
    assert isinstance(sizes, list)
    for db in ("sqlite", "postgresql"):
        found = results.get(db)
        if not isinstance(found, dict):
            continue
        for n in sizes:
            ours, base, dry = found[f"vigil_{n}"], found[f"base_{n}"], found[f"dry_{n}"]
            lines.append(
                f"| import {db}, {n:,} rows: seconds (vs plain executemany; ratio = time) "
                f"| {ours['seconds']:.1f} | {base['seconds']:.1f} "
                f"| {ours['seconds'] / base['seconds']:.1f}× |"
            )
            lines.append(
                f"| import {db}, {n:,} rows: rows/s (wall) | {n / ours['seconds']:,.0f} "
                f"| {n / base['seconds']:,.0f} | – |"
            )
            lines.append(
                f"| import {db}, {n:,} rows: CPU seconds of the process | "
                f"{ours['cpu_seconds']:.1f} | {base['cpu_seconds']:.1f} "
                f"| {ours['cpu_seconds'] / base['cpu_seconds']:.1f}× |"
            )
            lines.append(
                f"| import {db}, {n:,} rows: peak RSS MiB | {ours['peak_rss_mib']:.0f} "
                f"| {base['peak_rss_mib']:.0f} | – |"
            )
            lines.append(
                f"| import {db}, {n:,} rows: dry run seconds, peak RSS MiB "
                f"| {dry['seconds']:.1f}, {dry['peak_rss_mib']:.0f} | – | – |"
            )
    return lines


# --- the baseline, run as its own process ---------------------------------------------------


def baseline_insert(csv_path: Path, url: str, org: str) -> None:
    """See the module docstring: the same rows' inserts, nothing else."""
    from sqlalchemy import text

    from vigil.core.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        ids = {
            name: connection.execute(text(sql), params).scalar_one()
            for name, sql, params in (
                ("org", "SELECT id FROM organisations WHERE slug = :s", {"s": org}),
                ("attack", "SELECT min(id) FROM vocabulary_terms WHERE code = 'killing'", {}),
                ("sector", "SELECT min(id) FROM vocabulary_terms WHERE code = 'mining'", {}),
            )
        }
        starts = {
            table: (connection.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0)  # noqa: S608
            + 1
            for table in ("data_keys", "defenders", "incidents", "acts", "sources")
        }
    raw = engine.raw_connection()
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    try:
        _insert_all(raw, mark, csv_path, ids, starts)
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            cursor = raw.cursor()
            for table in starts:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")  # noqa: S608
            raw.commit()
    finally:
        raw.close()
        engine.dispose()


def _sql(mark: str, table: str, columns: str) -> str:
    marks = ", ".join(mark for _ in columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (constants)


def _insert_all(raw, mark, csv_path, ids, starts) -> None:  # type: ignore[no-untyped-def]
    statements = {
        "data_keys": _sql(mark, "data_keys", "id, kek_id, wrapped, created_at"),
        "defenders": _sql(
            mark,
            "defenders",
            "id, organisation_id, kind, data_key_id, name_sealed, language_codes, alias, "
            "created_at",
        ),
        "incidents": _sql(
            mark,
            "incidents",
            "id, organisation_id, external_ref, title, data_key_id, summary_sealed, "
            "date_precision, country, status, sector_id, last_action_at, created_at, "
            "updated_at",
        ),
        "acts": _sql(mark, "acts", "id, incident_id, attack_type_id, victim_id"),
        "sources": _sql(mark, "sources", "id, incident_id, kind, reliability, url, description"),
    }
    now = datetime.now(UTC).replace(tzinfo=None) if mark == "?" else datetime.now(UTC)
    next_id = dict(starts)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: dict[str, list[tuple]] = {table: [] for table in statements}
        for row in reader:
            _rows_for(row, batch, next_id, ids, now)
            if len(batch["incidents"]) >= BATCH:
                _flush(raw, statements, batch)
        _flush(raw, statements, batch)


def _rows_for(row, batch, next_id, ids, now) -> None:  # type: ignore[no-untyped-def]
    def new(table: str) -> int:
        next_id[table] += 1
        return next_id[table] - 1

    def sealed(value: str) -> bytes:
        return secrets.token_bytes(len(value.encode()) + SEAL_OVERHEAD)

    name_key, incident_key = new("data_keys"), new("data_keys")
    for key in (name_key, incident_key):
        batch["data_keys"].append((key, "bench", sealed("k" * 32), now))
    defender, incident = new("defenders"), new("incidents")
    batch["defenders"].append(
        (defender, ids["org"], "person", name_key, sealed(row[4]), "", row[0], now)
    )
    org, title, summary = ids["org"], f"{row[7]}, {row[2]}", sealed(row[10])
    fixed = ("day", "CO", "received", ids["sector"], now, now, now)
    batch["incidents"].append((incident, org, row[0], title, incident_key, summary, *fixed))
    for _attack in row[7].split(";"):
        batch["acts"].append((new("acts"), incident, ids["attack"], defender))
    batch["sources"].append((new("sources"), incident, "partner_ngo", "medium", row[9], row[0]))


def _flush(raw, statements, batch) -> None:  # type: ignore[no-untyped-def]
    cursor = raw.cursor()
    for table, sql in statements.items():
        if batch[table]:
            cursor.executemany(sql, batch[table])
            batch[table].clear()
    raw.commit()


if __name__ == "__main__" and sys.argv[1:2] == ["--baseline"]:
    started = time.perf_counter()
    baseline_insert(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
    print(f"{time.perf_counter() - started:.2f}")
