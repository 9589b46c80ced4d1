"""Incidents as two sources tell them, for the linking tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from vigil.core.crypto import Vault
from vigil.defenders.service import record_defender
from vigil.imports.models import ImportedRecord, ImportRun
from vigil.incidents.models import Incident
from vigil.incidents.schemas import ActCreate, IncidentCreate, SourceCreate
from vigil.incidents.service import record_incident
from vigil.organisations.models import Organisation


def told(
    session: Session,
    vault: Vault,
    org: Organisation,
    *,
    name: str,
    day: date,
    url: str | None = "https://news-a.example/story",
    description: str = "",
    region: str | None = "CO-ANT",
    attack: str = "killing",
    country: str = "CO",
    title: str = "Killing of a land defender",
) -> Incident:
    """One incident with one victim called ``name``, told by one source."""
    victim = record_defender(session, vault=vault, org_id=org.id, alias="A defender", name=name)
    return record_incident(
        session,
        vault=vault,
        org_id=org.id,
        data=IncidentCreate(
            title=title,
            occurred_on=day,
            country=country,
            region=region,
            status="verified",
            acts=[ActCreate(attack_type=attack, victim_id=victim.id)],
            sources=[SourceCreate(kind="media", url=url, description=description)],
        ),
    )


def imported(session: Session, org: Organisation, incident: Incident, *, run: ImportRun | None):
    """Record ``incident`` as created by an import run (a new one unless given)."""
    if run is None:
        run = ImportRun(
            organisation_id=org.id, kind="incidents", source_name="file.csv", file_sha256="0" * 64
        )
        session.add(run)
        session.flush()
    session.add(
        ImportedRecord(
            organisation_id=org.id,
            run_id=run.id,
            kind="incidents",
            entity_type="incident",
            entity_id=incident.id,
            line=2,
            source_key=f"row-{incident.id}",
        )
    )
    session.flush()
    return run
