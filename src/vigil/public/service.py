"""Public aggregates. Only incidents that analysts have verified count, and only as numbers
per country and per attack type: nothing here can identify a person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from vigil.incidents.models import PUBLIC_STATUSES, Act, Incident
from vigil.vocabularies.models import VocabularyTerm

_published = Incident.status.in_([str(s) for s in PUBLIC_STATUSES])


@dataclass(frozen=True)
class Count:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class PublicOverview:
    total: int
    by_country: list[Count]
    by_attack_type: list[Count]


def public_overview(session: Session, *, locale: str, country_label) -> PublicOverview:  # type: ignore[no-untyped-def]
    total = session.scalar(select(func.count()).select_from(Incident).where(_published)) or 0
    by_country = [
        Count(code=code, label=country_label(code), count=count)
        for code, count in session.execute(
            select(Incident.country, func.count())
            .where(_published)
            .group_by(Incident.country)
            .order_by(func.count().desc(), Incident.country)
        )
    ]
    by_attack = [
        Count(code=term.code, label=term.label(locale), count=count)
        for term, count in session.execute(
            select(VocabularyTerm, func.count(distinct(Act.incident_id)))
            .join(Act, Act.attack_type_id == VocabularyTerm.id)
            .join(Incident, Incident.id == Act.incident_id)
            .where(_published)
            .group_by(VocabularyTerm.id)
            .order_by(func.count(distinct(Act.incident_id)).desc(), VocabularyTerm.position)
        )
    ]
    return PublicOverview(total=total, by_country=by_country, by_attack_type=by_attack)
