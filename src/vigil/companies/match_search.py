"""Matching a typed name (or identifier) against the registry in the database.

Candidate generation depends on the database: on PostgreSQL the pg_trgm GiST index on
``company_names.normalized`` gives the names nearest the query by trigram distance (``<->``),
nearest first, so a registry far larger than memory still matches; on SQLite the
names are filed in an in-process index kept between queries (:mod:`vigil.companies.name_index`).
Very short queries (under three letters) look for names beginning with them on both.

Ranking is in two steps. All candidates (up to :data:`CANDIDATE_POOL`) get their value at
once from :func:`~vigil.companies.matching.query_values`, which runs each rapidfuzz ratio over
the whole list and adds the country evidence (the query's country against the company's
jurisdiction). Only the few that are shown are then scored with
:func:`~vigil.companies.matching.score`, which gives the same value with its explanation
(scoring every candidate that way cost six times the raw rapidfuzz scan of the same
candidates). Equal values go to the name spelt most like the query ("kokuyo" before "basell
kokuyo", which also contains the word), then alphabetically. An exact identifier (LEI,
registration number…) wins. With an ``address``, every candidate is scored in full, since
addresses are compared pair by pair.

A name of a record merged into another leads to the record it was merged into.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Float, func, literal, select
from sqlalchemy.orm import Session

from vigil.companies.matching import (
    Evidence,
    Record,
    Score,
    clean_text,
    match_key,
    match_key_of,
    name_key,
    query_values,
    score,
)
from vigil.companies.models import (
    Address,
    Company,
    CompanyIdentifier,
    CompanyName,
    company_addresses,
)
from vigil.companies.name_index import registry_index

#: Names scored per query, at most (the best by trigram similarity or shared blocking keys).
CANDIDATE_POOL = 200
#: Candidates scoring less are not worth showing.
MIN_SCORE = 0.5
MAX_MERGE_DEPTH = 20
#: Longest address compared (characters).
MAX_ADDRESS = 500


class NameRow(NamedTuple):
    """A candidate name: its company, the name, and its match key."""

    company_id: int
    name: str
    key: str


def _name_rows(rows: object) -> list[NameRow]:
    return [
        NameRow(company_id, name, match_key_of(name, stored))
        for company_id, name, stored in rows  # type: ignore[attr-defined]
    ]


@dataclass(frozen=True)
class Candidate:
    company_id: int
    name: str
    jurisdiction: str | None
    matched_name: str
    score: Score
    #: The merged record whose name matched, when it was not the company's own.
    via_company_id: int | None = None

    @property
    def value(self) -> float:
        return self.score.value

    def explain(self) -> list[str]:
        return self.score.explain()


def _short_prefix_rows(session: Session, key: str) -> list[NameRow]:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(CompanyName.company_id, CompanyName.name, CompanyName.normalized)
        .where(CompanyName.normalized.like(escaped + "%", escape="\\"))
        .order_by(func.length(CompanyName.normalized), CompanyName.id)
        .limit(CANDIDATE_POOL)
    )
    return _name_rows(session.execute(stmt))


@contextmanager
def index_scans(session: Session, *, nested_loops: bool = False) -> Iterator[None]:
    """PostgreSQL: no sequential scan (and with ``nested_loops``, no hash or merge join) for
    the statements inside, set for the transaction and then put back, so the planner uses the
    pg_trgm index (and primary keys) where it misjudges their cost."""
    names = ["enable_seqscan"]
    if nested_loops:
        names += ["enable_hashjoin", "enable_mergejoin"]
    previous = session.execute(select(*[func.current_setting(name) for name in names])).one()
    session.execute(select(*[func.set_config(name, "off", True) for name in names]))
    try:
        yield
    finally:
        restore = [
            func.set_config(name, value, True) for name, value in zip(names, previous, strict=True)
        ]
        session.execute(select(*restore))


def _trigram_rows(session: Session, key: str) -> list[NameRow]:
    """PostgreSQL: the names nearest the query by trigram distance, in one scan of the GiST
    index (``resolution_models.NEAREST_INDEX``), which hands them over nearest first so the
    scan stops after ``CANDIDATE_POOL``. It replaced two GIN scans (``%`` and ``<%``) whose
    every match was then sorted: 15–25 queries/s at 100,000 names."""
    nearest = CompanyName.normalized.op("<->", return_type=Float)(literal(key))
    stmt = (
        select(CompanyName.company_id, CompanyName.name, CompanyName.normalized)
        .order_by(nearest)
        .limit(CANDIDATE_POOL)
    )
    return _name_rows(session.execute(stmt))


def _index_rows(session: Session, text: str) -> list[NameRow]:
    """SQLite: the names sharing most blocking keys with the query (and three-letter word
    beginnings, for a word still being typed), from the index kept in memory."""
    index = registry_index(session)
    return [
        NameRow(index.company_ids[position], index.names[position], index.keys[position])
        for position in index.candidates(text, limit=CANDIDATE_POOL)
    ]


def _identifier_hits(session: Session, text: str) -> list[tuple[int, str, str]]:
    value = "".join(text.split()).upper()
    if not 4 <= len(value) <= 100:
        return []
    stmt = select(
        CompanyIdentifier.company_id, CompanyIdentifier.scheme, CompanyIdentifier.value
    ).where(func.upper(CompanyIdentifier.value) == value)
    return [(row.company_id, row.scheme, row.value) for row in session.execute(stmt)]


class _Company(NamedTuple):
    id: int
    name: str
    jurisdiction: str | None
    merged_into_id: int | None


def _roots(session: Session, company_ids: set[int]) -> tuple[dict[int, int], dict[int, _Company]]:
    """Each company id -> the id of the record it ends up merged into (itself if active)."""
    companies: dict[int, _Company] = {}
    wanted = set(company_ids)
    columns = (Company.id, Company.name, Company.jurisdiction, Company.merged_into_id)
    for _ in range(MAX_MERGE_DEPTH):
        wanted -= companies.keys()
        if not wanted:
            break
        for row in session.execute(select(*columns).where(Company.id.in_(wanted))):
            company = _Company(*row)
            companies[company.id] = company
            if company.merged_into_id is not None:
                wanted.add(company.merged_into_id)
    roots: dict[int, int] = {}
    for company_id in company_ids:
        current, seen = company_id, set()
        while (
            current in companies
            and companies[current].merged_into_id is not None
            and current not in seen
        ):
            seen.add(current)
            current = companies[current].merged_into_id  # type: ignore[assignment]
        roots[company_id] = current
    return roots, companies


def _addresses(session: Session, company_ids: set[int]) -> dict[int, list[str]]:
    stmt = (
        select(company_addresses.c.company_id, Address.full)
        .join(Address, Address.id == company_addresses.c.address_id)
        .where(company_addresses.c.company_id.in_(sorted(company_ids)), Address.full != "")
        .order_by(company_addresses.c.company_id, Address.id)
    )
    found: dict[int, list[str]] = {}
    for company_id, full in session.execute(stmt):
        found.setdefault(company_id, []).append(full)
    return found


def match_companies(
    session: Session,
    *,
    query: str,
    country: str | None = None,
    address: str | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """The registry's best candidates for ``query``, best first, at most ``limit``. An
    ``address`` counts for or against the companies whose addresses the registry keeps."""
    text = clean_text(query)
    key = name_key(text)
    country = country.upper() if country and len(country) == 2 and country.isalpha() else None
    address = clean_text(address, max_length=MAX_ADDRESS) if address else ""
    rows: list[NameRow] = []
    if key and len(key.replace(" ", "")) < 3:
        rows = _short_prefix_rows(session, key)
    elif key and session.get_bind().dialect.name == "postgresql":
        rows = _trigram_rows(session, key)
    elif key:
        rows = _index_rows(session, text)
    hits = _identifier_hits(session, text)
    roots, companies = _roots(session, {row.company_id for row in rows} | {h[0] for h in hits})
    typed = Record("query", (text,), country=country, addresses=(address,) if address else ())
    addresses = _addresses(session, set(roots) | set(roots.values())) if address else {}

    def record(row: NameRow, root: _Company) -> Record:
        kept = dict.fromkeys([*addresses.get(row.company_id, ()), *addresses.get(root.id, ())])
        return Record(
            row.company_id, (row.name,), root.jurisdiction, addresses=tuple(kept), keys=(row.key,)
        )

    # Step 1: every candidate's value, the best name of each (surviving) company.
    owners = [companies.get(roots.get(row.company_id, row.company_id)) for row in rows]
    countries = [root.jurisdiction if root else None for root in owners]
    keys = [row.key for row in rows]
    values = query_values(match_key(text), keys, country=country, countries=countries)
    best: dict[int, tuple[float, float, NameRow | None]] = {}
    for row, root, (value, spelling) in zip(rows, owners, values, strict=True):
        if root is None:
            continue
        if address:
            value = score(typed, record(row, root), query=True).value
        if value >= MIN_SCORE and (root.id not in best or best[root.id][:2] < (value, spelling)):
            best[root.id] = (value, spelling, row)
    identified: dict[int, tuple[int, str, Score]] = {}
    for company_id, scheme, identifier in hits:
        root_id = roots.get(company_id, company_id)
        if root_id in companies and (root_id not in best or best[root_id][0] < 1.0):
            evidence = Evidence("identifier", 1.0, (("scheme", scheme), ("value", identifier)))
            best[root_id] = (1.0, 100.0, None)
            identified[root_id] = (company_id, identifier, Score(1.0, (evidence,)))

    # Step 2: explain the ones shown (``score`` gives the same value, with its evidence).
    # Equal values: the name spelt most like the query first, then alphabetical order.
    def order(root_id: int) -> tuple[float, float, str, int]:
        value, spelling, _row = best[root_id]
        return (-value, -spelling, companies[root_id].name.casefold(), root_id)

    shown: list[Candidate] = []
    for root_id in sorted(best, key=order)[:limit]:
        root, named = companies[root_id], best[root_id][2]
        if named is None:
            company_id, matched, found = identified[root_id]
        else:
            company_id, matched = named.company_id, named.name
            found = score(typed, record(named, root), query=True)
        via = company_id if company_id != root_id else None
        shown.append(Candidate(root.id, root.name, root.jurisdiction, matched, found, via))
    return shown
