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
- **Minimum cell size.** The numbers are published by country, year, sector, type of attack
  and the victims' gender identities. A cell with fewer than ``min_cell`` counted incidents is
  published as "fewer than N", never its number, and the incidents behind it are left out of
  every other number, including the total (and so, in turn, any cell they would make too
  small): no sum or difference of published numbers, on one dimension or across several,
  can bring a withheld cell back. The rule and why it holds are in :mod:`vigil.public.cells`.
  In the result every number shown is at least ``min_cell``, the total is exactly the sum of
  the shown cells of each of country, year and sector, and each counted incident falls in at
  least one shown attack-type cell and one shown gender cell. An unrecorded year, sector or
  gender is a cell of its own ("unknown"), withheld like any other when small.
- **Several values.** An incident counts once in the total, in its country, year and sector,
  and once in the cell of *each* of its types of attack and of its victims' gender identities,
  however many acts or victims have it. Those cells may therefore add up to more than the
  total: they say "incidents that included this", not a share of the whole.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.defenders.consent import defenders_kept_out_of_public_counts
from vigil.defenders.models import defender_identities
from vigil.incidents.models import PUBLIC_STATUSES, Act, Incident
from vigil.public.cells import Axis, Countable, PublishedTables, suppress_small_cells
from vigil.public.models import Dimension, PublicSnapshot, PublicSnapshotCount
from vigil.vocabularies.models import VocabularyTerm

__all__ = ["AXES", "Countable", "PublishedTables", "countable_incidents", "publish_snapshot"]

#: The published dimensions. Country, year and sector: one value per incident; types of
#: attack and the victims' gender identities: as many as the incident has.
AXES = (
    Axis(Dimension.country),
    Axis(Dimension.year, by_code=True),
    Axis(Dimension.sector),
    Axis(Dimension.attack_type, multi_valued=True),
    Axis(Dimension.gender, multi_valued=True),
)


def countable_incidents(session: Session, *, counted_until: datetime) -> dict[int, Countable]:
    """Incidents verified by ``counted_until`` whose victims all allow public counting, with
    their country, year, sector, types of attack and their victims' gender identities."""
    kept_out = defenders_kept_out_of_public_counts(session)
    sectors = _codes(session, "sector")
    identities = _victim_identities(session)
    rows = session.execute(
        select(
            Incident.id,
            Incident.country,
            Incident.occurred_on,
            Incident.sector_id,
            VocabularyTerm.code,
            Act.victim_id,
        )
        .join(Act, Act.incident_id == Incident.id)
        .join(VocabularyTerm, VocabularyTerm.id == Act.attack_type_id)
        .where(
            Incident.status.in_([str(s) for s in PUBLIC_STATUSES]),
            Incident.verified_at.is_not(None),
            Incident.verified_at <= counted_until,
        )
    )
    found: dict[int, dict[str, object]] = {}
    types: dict[int, set[str]] = {}
    genders: dict[int, set[str]] = {}
    refused: set[int] = set()
    for incident_id, country, occurred_on, sector_id, attack_type, victim_id in rows:
        found[incident_id] = {
            "country": country,
            "year": str(occurred_on.year) if occurred_on else None,
            "sector": sectors.get(sector_id) if sector_id else None,
        }
        types.setdefault(incident_id, set()).add(attack_type)
        genders.setdefault(incident_id, set()).update(identities.get(victim_id, ()))
        if victim_id in kept_out:
            refused.add(incident_id)
    return {
        incident_id: Countable.of(
            **fields,  # type: ignore[arg-type]
            attack_type=types[incident_id],
            gender=genders[incident_id],
        )
        for incident_id, fields in found.items()
        if incident_id not in refused
    }


def _codes(session: Session, vocabulary: str) -> dict[int, str]:
    terms = session.execute(
        select(VocabularyTerm.id, VocabularyTerm.code).where(
            VocabularyTerm.vocabulary == vocabulary
        )
    )
    return {term_id: code for term_id, code in terms}


def _victim_identities(session: Session) -> dict[int, set[str]]:
    """defender id -> their gender identities (codes of the ``gender_identity`` vocabulary)."""
    found: dict[int, set[str]] = {}
    rows = session.execute(
        select(defender_identities.c.defender_id, VocabularyTerm.code).join(
            VocabularyTerm, VocabularyTerm.id == defender_identities.c.term_id
        )
    )
    for defender_id, code in rows:
        found.setdefault(defender_id, set()).add(code)
    return found


def publish_snapshot(
    session: Session, *, now: datetime, min_cell: int, delay_days: int
) -> PublicSnapshot:
    """Compute the public numbers and replace the published snapshot with them (audited)."""
    counted_until = now - timedelta(days=delay_days)
    tables = suppress_small_cells(
        countable_incidents(session, counted_until=counted_until), axes=AXES, min_cell=min_cell
    )
    session.execute(delete(PublicSnapshotCount))
    session.execute(delete(PublicSnapshot))
    snapshot = PublicSnapshot(
        published_at=now, counted_until=counted_until, min_cell=min_cell, total=tables.total
    )
    snapshot.counts = [
        PublicSnapshotCount(dimension=dimension, code=code, count=count, position=position)
        for dimension, table in tables.tables.items()
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
