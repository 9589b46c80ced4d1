"""Generated public-register rows for the register benchmark (``register.py``).

The register's tables are filled in production by the de-identification batch; here a
million rows are generated straight into them (with the incident rows their foreign key
needs), so the benchmark measures reading the register, not the batch. Values are drawn from
the real vocabularies (``vocabularies/terms.csv``) and ISO 3166-2 subdivisions (pycountry),
with skewed country and attack-type frequencies as a real register has. Rows are generated
as they are loaded (never held as a list).
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

from vigil.public.csv_lines import csv_parts

TERMS = Path(__file__).resolve().parent.parent / "src" / "vigil" / "vocabularies" / "terms.csv"
COUNTRIES = ["CO", "BR", "MX", "PH", "HN", "GT", "PE", "IN", "ID", "CD", "KE", "NG", "ZA", "NI"]
COUNTRIES += ["EC", "AR", "CL", "BO", "PY", "VE", "KH", "MM", "TH", "VN", "UG", "TZ", "ZW", "BD"]
STATUSES = ["responded", "did_not_respond", "invited", "not_invited", "not_invited"]
WORDS = ["river", "water", "mine", "palm", "union", "forest", "land", "dam", "radio", "road"]
COMPANIES = 5_000
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def vocabulary() -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    with TERMS.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            codes.setdefault(row[0], []).append(row[1])
    return codes


def regions() -> dict[str, list[str]]:
    import pycountry

    found: dict[str, list[str]] = {}
    for country in COUNTRIES:
        subdivisions = pycountry.subdivisions.get(country_code=country) or []
        found[country] = sorted(s.code for s in subdivisions)[:12] or [""]
    return found


def _skewed(rng: random.Random, items: list[str]) -> str:
    """Zipf-like: the first items are much more frequent, as in real registers."""
    return items[min(int(rng.paretovariate(1.2)) - 1, len(items) - 1)]


def public_rows(n: int, seed: int = 7) -> Iterator[tuple[tuple, list[tuple[str, str]]]]:
    """(public_incidents row, its labels) for incidents 1..n."""
    rng = random.Random(seed)
    codes, places = vocabulary(), regions()
    attacks, defenders = codes["attack_type"], codes["defender_type"]
    genders, sectors = codes["gender_identity"], codes["sector"]
    for i in range(1, n + 1):
        country = _skewed(rng, COUNTRIES)
        year, month = rng.randint(2015, 2026), rng.randint(1, 12)
        kinds = {_skewed(rng, attacks) for _ in range(rng.choice((1, 1, 2)))}
        defender, gender = rng.choice(defenders), rng.choice(genders)
        companies = sorted({rng.randint(1, COMPANIES) for _ in range(rng.choice((0, 1, 1, 2)))})
        sector, status = rng.choice(sectors), rng.choice(STATUSES)
        words = " ".join(rng.sample(WORDS, 2))
        detail = {
            "victims": [{"display": f"Defender {i:07d}", "named": False, "kind": "person"}],
            "companies": [{"id": c, "name": f"Company {c}", "role": "direct"} for c in companies],
            "attack_types": sorted(kinds),
        }
        row = (
            i,
            f"B{i:09d}",
            i,
            1,
            "",
            country,
            rng.choice(places[country]),
            "",
            year,
            month,
            date(year, month, 1),
            sector,
            status,
            "",
            f"{words} {sector} {' '.join(sorted(kinds))} {country.lower()}",
            json.dumps(detail),
            NOW,
            NOW,
            ";".join(sorted(kinds)),
            defender,
            gender,
            ";".join(f"Company {c}" for c in companies),
        )
        # The CSV line's parts, as the register batch stores them when it writes a row.
        row += csv_parts(
            SimpleNamespace(**dict(zip(ROW_FIELDS, row, strict=True)), occurred_on=None)
        )
        labels = [("attack_type", k) for k in sorted(kinds)]
        labels += [("defender_type", defender), ("gender", gender)]
        labels += [("company", str(c)) for c in companies]
        yield row, labels


PUBLIC_COLUMNS = (
    "id, code, incident_id, organisation_id, title, country, region, place, year, month, "
    "sort_date, sector, response_status, summary, search_text, detail, published_at, updated_at, "
    "attack_types, defender_types, genders, companies, csv_head, csv_tail"
)
ROW_FIELDS = tuple(name.strip() for name in PUBLIC_COLUMNS.split(","))[:-2]
LABEL_COLUMNS = "id, public_incident_id, kind, code"
INCIDENT_COLUMNS = (
    "id, organisation_id, title, data_key_id, date_precision, country, status, last_action_at, "
    "created_at, updated_at"
)


def _tables(n: int) -> Iterator[tuple[str, str, Iterator[tuple]]]:
    """Three passes over the same seeded stream: incidents, register rows, labels."""
    yield (
        "incidents",
        INCIDENT_COLUMNS,
        ((i, 1, "generated", 1, "month", "CO", "verified", NOW, NOW, NOW) for i in range(1, n + 1)),
    )
    yield "public_incidents", PUBLIC_COLUMNS, (row for row, _labels in public_rows(n))

    def labels() -> Iterator[tuple]:
        next_id = 0
        for row, found in public_rows(n):
            for kind, code in found:
                next_id += 1
                yield (next_id, row[0], kind, code)

    yield "public_incident_labels", LABEL_COLUMNS, labels()


def load_register(url: str, n: int) -> float:
    """Schema by the migrations, vocabularies, one organisation and data key, then ``n``
    incidents and their register rows and labels (COPY on PostgreSQL). Returns seconds."""
    from sqlalchemy import text

    from vigil.core.db import make_engine, make_sessionmaker, session_scope
    from vigil.core.migrations import upgrade
    from vigil.vocabularies.service import seed_vocabularies

    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        seed_vocabularies(session)
        session.execute(
            text(
                "INSERT INTO organisations (id, slug, name, emergency_numbers, grant_thresholds,"
                " time_zone, created_at) VALUES (1, 'bench', 'Bench', '[]', '{}', 'UTC', :now)"
            ),
            {"now": NOW},
        )
        session.execute(
            text("INSERT INTO data_keys (id, kek_id, created_at) VALUES (1, 'bench', :now)"),
            {"now": NOW},
        )
    _copy_rows(engine, _tables(n))
    engine.dispose()
    return time.perf_counter() - started


def _copy_rows(engine, tables) -> None:  # type: ignore[no-untyped-def]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        postgres = engine.dialect.name == "postgresql"
        if not postgres:
            cursor.execute("PRAGMA synchronous = OFF")
        for table, cols, rows in tables:
            if postgres:
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in cols.split(","))
                insert = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, (_sqlite_row(row) for row in rows))  # type: ignore[arg-type]
            raw.commit()
        if postgres:
            for table in ("incidents", "public_incidents", "public_incident_labels"):
                # Table names from the constant tuple above.
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")  # noqa: S608
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _sqlite_row(row: tuple) -> tuple:
    """SQLite stores datetimes as SQLAlchemy writes them (ISO text, naive UTC)."""
    return tuple(
        v.replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, datetime) else v for v in row
    )
