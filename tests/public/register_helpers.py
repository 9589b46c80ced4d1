"""Incidents ready for the public register: verified long ago, each victim's own grants."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_incident
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.defenders.consent import record_consent
from vigil.defenders.models import Defender
from vigil.incidents.identifying import fold
from vigil.incidents.models import Act, Incident
from vigil.organisations.models import Organisation
from vigil.public.register_batch import RefreshResult, refresh_register
from vigil.public.register_models import PublicIncident, PublicIncidentLabel

DELAY_DAYS = 30


def grant(
    session: Session, defender: Defender, scope: str, decision: str = "grant", **extra: object
) -> None:
    record_consent(
        session,
        org_id=defender.organisation_id,
        defender_id=defender.id,
        scope=scope,
        decision=decision,
        method=str(extra.pop("method", "in_person")),
        given_by=str(extra.pop("given_by", "defender")),
        actor_user_id=None,
        **extra,  # type: ignore[arg-type]
    )


def victims(session: Session, incident: Incident) -> list[Defender]:
    return list(
        session.scalars(
            select(Defender)
            .join(Act, Act.victim_id == Defender.id)
            .where(Act.incident_id == incident.id)
            .order_by(Defender.id)
            .distinct()
        )
    )


def publishable(
    session: Session,
    org: Organisation,
    vault: Vault,
    *,
    scopes: tuple[str, ...] = ("publish_alias",),
    verified_at: datetime | None = None,
    **kwargs: object,
) -> Incident:
    """A verified incident, verified ``DELAY_DAYS + 1`` days ago, whose victim granted
    ``scopes`` themselves."""
    incident = make_incident(session, org, vault=vault, **kwargs)  # type: ignore[arg-type]
    incident.verified_at = verified_at or utcnow() - timedelta(days=DELAY_DAYS + 1)
    for victim in victims(session, incident):
        for scope in scopes:
            grant(session, victim, scope)
    session.flush()
    return incident


def refresh(
    session: Session, vault: Vault, settings: Settings, *, now: datetime | None = None
) -> RefreshResult:
    settings = settings.model_copy(update={"publication_delay_days": DELAY_DAYS})
    result = refresh_register(session, vault=vault, settings=settings, now=now or utcnow())
    session.flush()
    return result


def row_of(session: Session, incident: Incident) -> PublicIncident | None:
    session.expire_all()
    return session.scalar(select(PublicIncident).where(PublicIncident.incident_id == incident.id))


def everything_public(session: Session) -> str:
    """Every column of every register row and label, as folded text (accents and case gone)."""
    session.expire_all()
    texts = []
    for table in (PublicIncident, PublicIncidentLabel):
        for row in session.scalars(select(table)):
            values = {c.key: getattr(row, c.key) for c in table.__mapper__.column_attrs}
            texts.append(json.dumps(values, default=str, ensure_ascii=False))
    return fold("\n".join(texts))
