"""Which source an incident came from, so that only pairs from *different* sources are
proposed (one source listing the same killing twice is that source's own duplicate, not a
second account of the event).

The rule: an incident's origins are
- ``run:N`` for the import run that created it (``imports.models.ImportedRecord``), and
- for each of its ``Source`` rows: ``site:HOST`` when it has an address (``www.`` dropped:
  two articles of one newspaper are one source), else ``text:DESCRIPTION`` (case and spacing
  folded), else ``kind:KIND`` (two direct reports with nothing more said count as one).
An incident with neither run nor source has the origin ``vigil`` (recorded here by hand).
Two incidents are from different sources when their origins have **nothing in common**.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.imports.models import ImportedRecord
from vigil.incidents.models import Source

DESCRIPTION_CHARS = 200


def source_origin(*, url: str | None, description: str | None, kind: str) -> str:
    if url and url.strip():
        host = (urlsplit(url.strip()).hostname or url.strip()).casefold()
        return f"site:{host.removeprefix('www.')}"
    text = " ".join((description or "").casefold().split())[:DESCRIPTION_CHARS]
    return f"text:{text}" if text else f"kind:{kind}"


def incident_origins(
    session: Session, *, org_id: int, incident_ids: Iterable[int]
) -> dict[int, frozenset[str]]:
    """The origins of each incident (see the module's rule)."""
    ids = list(incident_ids)
    found: dict[int, set[str]] = defaultdict(set)
    runs = select(ImportedRecord.entity_id, ImportedRecord.run_id).where(
        ImportedRecord.organisation_id == org_id, ImportedRecord.entity_type == "incident"
    )
    wanted = set(ids)
    for incident_id, run_id in session.execute(runs):
        if incident_id in wanted:
            found[incident_id].add(f"run:{run_id}")
    for chunk in _chunks(ids, 500):
        rows = session.execute(
            select(Source.incident_id, Source.url, Source.description, Source.kind).where(
                Source.incident_id.in_(chunk)
            )
        )
        for incident_id, url, description, kind in rows:
            found[incident_id].add(source_origin(url=url, description=description, kind=kind))
    return {i: frozenset(found.get(i) or {"vigil"}) for i in ids}


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
