"""Public aggregates, read from the published snapshot only (never from incidents), so what
the home page and the API show is exactly what the last publication batch decided to show
(see :mod:`vigil.public.publication` for the rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.core.i18n import gettext
from vigil.public.cells import UNKNOWN
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
    #: Chronological, the unknown year last.
    by_year: list[Count]
    by_sector: list[Count]
    #: The victims' gender identities (an incident counts once under each).
    by_gender: list[Count]


NOTHING_PUBLISHED = PublicOverview(
    published_at=None,
    counted_until=None,
    min_cell=None,
    total=None,
    by_country=[],
    by_attack_type=[],
    by_year=[],
    by_sector=[],
    by_gender=[],
)

#: The vocabulary that labels each dimension's codes (country and year need none).
VOCABULARIES = {
    Dimension.attack_type: "attack_type",
    Dimension.sector: "sector",
    Dimension.gender: "gender_identity",
}


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
    labels = _term_labels(session, snapshot, locale)

    def rows(dimension: Dimension) -> list[Count]:
        def label(code: str) -> str:
            if code == UNKNOWN:
                return gettext("Not recorded")
            if dimension == Dimension.country:
                return country_label(code)
            return labels.get((dimension, code), code)

        return [
            Count(code=c.code, label=label(c.code), count=c.count)
            for c in snapshot.counts
            if c.dimension == dimension
        ]

    return PublicOverview(
        published_at=snapshot.published_at,
        counted_until=snapshot.counted_until,
        min_cell=snapshot.min_cell,
        total=snapshot.total,
        by_country=rows(Dimension.country),
        by_attack_type=rows(Dimension.attack_type),
        by_year=rows(Dimension.year),
        by_sector=rows(Dimension.sector),
        by_gender=rows(Dimension.gender),
    )


def _term_labels(
    session: Session, snapshot: PublicSnapshot, locale: str
) -> dict[tuple[str, str], str]:
    """(dimension, code) -> the vocabulary term's label in ``locale``."""
    vocabularies = {vocabulary: dimension for dimension, vocabulary in VOCABULARIES.items()}
    codes = {c.code for c in snapshot.counts if c.dimension in VOCABULARIES}
    terms = session.scalars(
        select(VocabularyTerm).where(
            VocabularyTerm.vocabulary.in_(vocabularies), VocabularyTerm.code.in_(codes)
        )
    )
    return {(vocabularies[term.vocabulary], term.code): term.label(locale) for term in terms}
