"""Precision and recall of ``vigil incidents link-sources`` on a labelled set, on SQLite and
PostgreSQL, at the default window (30 days) and threshold (0.6).

The labelled set (``link_sources_data``) tells fictional events twice, by sources A and B,
with realistic disagreements, plus hard negatives. Each record becomes what an import makes:
a defender (name sealed, blind index and word digests) and an incident whose region is the
source's text resolved to an ISO 3166-2 code by ``core.places.match_region`` (no region when
it does not resolve, as an importer leaves it) and whose source is the source's address.
Then ``propose_links`` runs as the command does, and every proposed pair is checked against
the labels: precision = true pairs proposed / pairs proposed, recall = true pairs proposed /
true pairs in the set. Seed 1 tuned the weights; seed 2 is held out (never used for tuning).
"""

from __future__ import annotations

import base64
import secrets
import tempfile
import time
from pathlib import Path

from bench_db import own_postgres_database
from link_sources_data import LabelledSet, make_set
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import vigil.models  # noqa: F401 - every model, for the mappers
from vigil.core.audit import AuditSeal, configure_audit
from vigil.core.crypto import AuditKeys, Vault, load_keyring
from vigil.core.db import make_engine, session_scope
from vigil.core.migrations import upgrade
from vigil.core.places import match_region
from vigil.defenders.service import record_defender
from vigil.imports.linking.models import ProposedLink
from vigil.imports.linking.proposing import propose_links
from vigil.incidents.schemas import ActCreate, IncidentCreate, SourceCreate
from vigil.incidents.service import record_incident
from vigil.organisations.models import Organisation
from vigil.organisations.service import ensure_organisation
from vigil.vocabularies.service import seed_vocabularies

TUNING_SEED = 1
HELD_OUT_SEED = 2
SOURCES = {"A": "https://source-a.example/list", "B": "https://source-b.example/report"}


def load(url: str, labelled: LabelledSet) -> dict[int, str]:
    """Write the set into a fresh database; returns incident id → record key."""
    upgrade(url)
    engine = make_engine(url)
    keys: dict[int, str] = {}
    master = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    with session_scope(sessionmaker(engine)) as session:
        seed_vocabularies(session)
        org = ensure_organisation(session, slug="bench", name="Bench")
        vault = Vault(session=session, ring=load_keyring(Path("."), master))
        for record in labelled.records:
            victim = record_defender(
                session, vault=vault, org_id=org.id, alias="Defender", name=record.name
            )
            incident = record_incident(
                session,
                vault=vault,
                org_id=org.id,
                data=IncidentCreate(
                    title=f"Incident {record.key}",
                    occurred_on=record.day,
                    country=record.country,
                    region=match_region(record.country, record.region_text),
                    status="verified",
                    acts=[ActCreate(attack_type=record.attack, victim_id=victim.id)],
                    sources=[SourceCreate(kind="partner_ngo", url=SOURCES[record.source])],
                ),
            )
            keys[incident.id] = record.key
    engine.dispose()
    return keys


def measure(url: str, labelled: LabelledSet) -> dict[str, float]:
    keys = load(url, labelled)
    engine = make_engine(url)
    with session_scope(sessionmaker(engine)) as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == "bench"))
        started = time.perf_counter()
        result = propose_links(session, org_id=org_id)
        seconds = time.perf_counter() - started
        proposed = {
            frozenset((keys[left], keys[right]))
            for left, right in session.execute(
                select(ProposedLink.left_incident_id, ProposedLink.right_incident_id)
            )
        }
    engine.dispose()
    truth = labelled.true_pairs()
    hits = len(proposed & truth)
    return {
        "records": len(labelled.records),
        "true_pairs": len(truth),
        "proposed": len(proposed),
        "true_positives": hits,
        "precision": hits / len(proposed) if proposed else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
        "compared": result.compared,
        "seconds": seconds,
    }


def run(*, postgres: bool = True, seeds: tuple[int, ...] = (TUNING_SEED, HELD_OUT_SEED)):
    """Figures per (database, seed)."""
    keys = AuditKeys(keys={"bench": secrets.token_bytes(32)}, active_id="bench")
    configure_audit(AuditSeal(keys=lambda: keys))  # a scratch database: entries signed, unanchored
    results: dict[str, dict[str, float]] = {}
    for seed in seeds:
        labelled = make_set(seed)
        with tempfile.TemporaryDirectory(prefix="vigil-links-") as folder:
            results[f"sqlite seed {seed}"] = measure(f"sqlite:///{folder}/links.db", labelled)
            print(f"link-sources sqlite seed {seed}:", results[f"sqlite seed {seed}"], flush=True)
        if postgres:
            with own_postgres_database("links") as pg_url:
                results[f"postgresql seed {seed}"] = measure(pg_url, labelled)
                print(f"link-sources postgresql seed {seed}:", results[f"postgresql seed {seed}"])
    return results


def report_lines(results: dict[str, dict[str, float]]) -> list[str]:
    lines = []
    for name, figures in results.items():
        role = "tuning" if name.endswith(f"seed {TUNING_SEED}") else "held out"
        lines.append(
            f"| link-sources {name} ({role}; {figures['records']} records, "
            f"{figures['true_pairs']} true pairs): precision, recall at 0.6 "
            f"| {figures['precision']:.3f}, {figures['recall']:.3f} | – | – |"
        )
    return lines


if __name__ == "__main__":
    import sys

    found = run(postgres="--no-postgres" not in sys.argv)
    print("\n".join(report_lines(found)))
