"""Public aggregates, read from the published snapshot only (never from incidents), so what
the home page and the API show is exactly what the last publication batch decided to show
(see :mod:`vigil.public.publication` for the rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.public.models import Dimension, PublicSnapshot
from vigil.vocabularies.models import VocabularyTerm


@dataclass(frozen=True)
class Count:
    code: str
    label: str
    #: None: fewer than the overview's ``min_cell`` (withheld).
    count: int | None


@dataclass(frozen=True)
class PublicOverview:
    #: None before the first publication batch: nothing is published yet.
    published_at: datetime | None
    counted_until: datetime | None
    min_cell: int | None
    total: int | None
    by_country: list[Count]
    by_attack_type: list[Count]


NOTHING_PUBLISHED = PublicOverview(
    published_at=None,
    counted_until=None,
    min_cell=None,
    total=None,
    by_country=[],
    by_attack_type=[],
)


def public_overview(
    session: Session, *, locale: str, country_label: Callable[[str], str]
) -> PublicOverview:
    snapshot = session.scalar(
        select(PublicSnapshot)
        .options(selectinload(PublicSnapshot.counts))
        .order_by(PublicSnapshot.published_at.desc(), PublicSnapshot.id.desc())
        .limit(1)
    )
    if snapshot is None:
        return NOTHING_PUBLISHED
    type_codes = [c.code for c in snapshot.counts if c.dimension == Dimension.attack_type]
    terms = {
        term.code: term.label(locale)
        for term in session.scalars(
            select(VocabularyTerm).where(
                VocabularyTerm.vocabulary == "attack_type", VocabularyTerm.code.in_(type_codes)
            )
        )
    }
    return PublicOverview(
        published_at=snapshot.published_at,
        counted_until=snapshot.counted_until,
        min_cell=snapshot.min_cell,
        total=snapshot.total,
        by_country=[
            Count(code=c.code, label=country_label(c.code), count=c.count)
            for c in snapshot.counts
            if c.dimension == Dimension.country
        ],
        by_attack_type=[
            Count(code=c.code, label=terms.get(c.code, c.code), count=c.count)
            for c in snapshot.counts
            if c.dimension == Dimension.attack_type
        ],
    )
