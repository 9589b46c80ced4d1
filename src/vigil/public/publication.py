"""The daily publication batch: which incidents the public numbers count, and which numbers
may be shown.

Public counts must never tell a perpetrator that their victim reported, nor single anyone out:

- **Delay.** Only incidents verified at least ``VIGIL_PUBLICATION_DELAY_DAYS`` before the batch
  are counted, and the public site reads only the stored snapshot, so a verification shows
  nowhere before the delay has passed *and* a batch has run.
- **Consent.** An incident counts only if its status is verified or later and none of its
  victims refused (record only, ``store`` withdrawn, forgotten: see
  :func:`~vigil.defenders.consent.defenders_kept_out_of_public_counts`). With several victims
  the most restrictive choice wins: one refusal keeps the whole incident out.
- **Minimum cell size.** A country or type of attack with fewer than ``min_cell`` counted
  incidents is published as "fewer than N", never its number. And the incidents behind such a
  cell are left out of *every* other number, including the total (and so, in turn, any cell
  they would make too small): no sum or difference of published numbers can bring a withheld
  cell back. In the result every number shown is at least ``min_cell``, the total is exactly
  the sum of the shown country cells, and each counted incident falls in at least one shown
  attack-type cell.
- **Several types.** An incident counts once in the total and in its country, and once in
  the cell of *each* of its types of attack, however many acts or victims of that type it
  has. The attack-type cells may therefore add up to more than the total: they say "incidents
  that included this type", not a share of the whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.defenders.consent import defenders_kept_out_of_public_counts
from vigil.incidents.models import PUBLIC_STATUSES, Act, Incident
from vigil.public.models import Dimension, PublicSnapshot, PublicSnapshotCount
from vigil.vocabularies.models import VocabularyTerm


@dataclass(frozen=True)
class Countable:
    """What the batch may know of one incident: its country and its types of attack."""

    country: str
    attack_types: frozenset[str]


@dataclass(frozen=True)
class PublishedTables:
    total: int
    #: code -> count, or None for "fewer than min_cell"
    by_country: dict[str, int | None]
    by_attack_type: dict[str, int | None]


def countable_incidents(session: Session, *, counted_until: datetime) -> dict[int, Countable]:
    """Incidents verified by ``counted_until`` whose victims all allow public counting."""
    kept_out = defenders_kept_out_of_public_counts(session)
    rows = session.execute(
        select(Incident.id, Incident.country, VocabularyTerm.code, Act.victim_id)
        .join(Act, Act.incident_id == Incident.id)
        .join(VocabularyTerm, VocabularyTerm.id == Act.attack_type_id)
        .where(
            Incident.status.in_([str(s) for s in PUBLIC_STATUSES]),
            Incident.verified_at.is_not(None),
            Incident.verified_at <= counted_until,
        )
    )
    countries: dict[int, str] = {}
    types: dict[int, set[str]] = {}
    refused: set[int] = set()
    for incident_id, country, attack_type, victim_id in rows:
        countries[incident_id] = country
        types.setdefault(incident_id, set()).add(attack_type)
        if victim_id in kept_out:
            refused.add(incident_id)
    return {
        incident_id: Countable(country=country, attack_types=frozenset(types[incident_id]))
        for incident_id, country in countries.items()
        if incident_id not in refused
    }


def suppress_small_cells(incidents: dict[int, Countable], *, min_cell: int) -> PublishedTables:
    """Withhold every cell below ``min_cell`` and drop its incidents from every other number,
    repeating until nothing changes (dropping incidents can make another cell too small)."""
    counted = dict(incidents)
    while True:
        by_country = Counter(item.country for item in counted.values())
        by_type = Counter(code for item in counted.values() for code in item.attack_types)
        still = {
            incident_id: item
            for incident_id, item in counted.items()
            if by_country[item.country] >= min_cell
            and any(by_type[code] >= min_cell for code in item.attack_types)
        }
        if len(still) == len(counted):
            break
        counted = still
    seen_countries = {item.country for item in incidents.values()}
    seen_types = {code for item in incidents.values() for code in item.attack_types}
    return PublishedTables(
        total=len(counted),
        by_country=_table(by_country, seen_countries, min_cell),
        by_attack_type=_table(by_type, seen_types, min_cell),
    )


def _table(counts: Counter[str], seen: set[str], min_cell: int) -> dict[str, int | None]:
    """Shown cells by count (largest first), then the withheld ones by code."""
    shown = sorted(
        ((code, n) for code, n in counts.items() if n >= min_cell), key=lambda c: (-c[1], c[0])
    )
    table: dict[str, int | None] = dict(shown)
    table.update({code: None for code in sorted(seen - table.keys())})
    return table


def publish_snapshot(
    session: Session, *, now: datetime, min_cell: int, delay_days: int
) -> PublicSnapshot:
    """Compute the public numbers and replace the published snapshot with them (audited)."""
    counted_until = now - timedelta(days=delay_days)
    tables = suppress_small_cells(
        countable_incidents(session, counted_until=counted_until), min_cell=min_cell
    )
    session.execute(delete(PublicSnapshotCount))
    session.execute(delete(PublicSnapshot))
    snapshot = PublicSnapshot(
        published_at=now, counted_until=counted_until, min_cell=min_cell, total=tables.total
    )
    rows = [(Dimension.country, tables.by_country), (Dimension.attack_type, tables.by_attack_type)]
    snapshot.counts = [
        PublicSnapshotCount(dimension=dimension, code=code, count=count, position=position)
        for dimension, table in rows
        for position, (code, count) in enumerate(table.items())
    ]
    session.add(snapshot)
    session.flush()
    record_event(
        session,
        action="public.published",
        object_type="public_snapshot",
        object_id=snapshot.id,
        detail={
            "total": tables.total,
            "counted_until": counted_until.isoformat(),
            "min_cell": min_cell,
        },
    )
    return snapshot
