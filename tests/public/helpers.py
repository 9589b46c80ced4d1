"""Verified incidents with a chosen verification date, and the public numbers as published."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_incident
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.incidents.models import Incident
from vigil.organisations.models import Organisation
from vigil.public.publication import publish_snapshot

MIN_CELL = 5
DELAY_DAYS = 30


def verified_incidents(
    session: Session,
    org: Organisation,
    vault: Vault,
    count: int,
    *,
    country: str = "PE",
    attack_type: str = "death_threat",
    verified_at: datetime | None = None,
) -> list[Incident]:
    """``count`` verified incidents, verified long enough ago to be published by default."""
    verified_at = verified_at or utcnow() - timedelta(days=DELAY_DAYS + 10)
    made = []
    for _ in range(count):
        incident = make_incident(
            session, org, vault=vault, country=country, attack_type=attack_type
        )
        incident.verified_at = verified_at
        made.append(incident)
    session.flush()
    return made


def publish(session: Session, *, now: datetime | None = None) -> None:
    publish_snapshot(session, now=now or utcnow(), min_cell=MIN_CELL, delay_days=DELAY_DAYS)
    session.commit()


def published(client: TestClient) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/public/overview")
    assert response.status_code == 200
    return response.json()


def table(data: dict, dimension: str) -> dict[str, int | None]:  # type: ignore[type-arg]
    """code -> published count (None: withheld), checking ``suppressed`` says the same."""
    rows = data[f"by_{dimension}"]
    assert all(row["suppressed"] == (row["count"] is None) for row in rows)
    return {row["code"]: row["count"] for row in rows}
