"""Where the sources of one incident disagree: each source's own date, region and type of
attack (``Source.reported_*``, kept when incidents were merged), compared field by field.

A field is in disagreement when two sources that say something about it say different
things; a source that says nothing neither agrees nor disagrees.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.incidents.models import Incident, Source

FIELDS = ("reported_on", "reported_region", "reported_attack_type")


@dataclass(frozen=True)
class Disagreement:
    #: "reported_on", "reported_region" or "reported_attack_type".
    field: str
    #: (source, what it says) for every source that says something, in source order.
    accounts: list[tuple[Source, str]]


def source_disagreements(incident: Incident) -> list[Disagreement]:
    found = []
    for field in FIELDS:
        accounts = [
            (source, value.isoformat() if hasattr(value, "isoformat") else str(value))
            for source in incident.sources
            if (value := getattr(source, field)) is not None and value != ""
        ]
        if len({text for _, text in accounts}) > 1:
            found.append(Disagreement(field, accounts))
    return found


def has_own_accounts(incident: Incident) -> bool:
    """Whether any source says something of its own (the page then lists what each says)."""
    return any(getattr(s, f) for s in incident.sources for f in FIELDS)
