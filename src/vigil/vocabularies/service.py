"""Seeding and reading controlled vocabularies."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import Invalid
from vigil.vocabularies.models import VOCABULARIES, VocabularyTerm

SEED_FILE = Path(__file__).with_name("terms.csv")


def read_seed_terms() -> list[dict[str, str]]:
    with SEED_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_vocabularies(session: Session) -> int:
    """Insert missing terms and refresh labels and order of existing ones; codes are never
    removed.

    Returns the number of terms inserted (0 on a second run: the seed is idempotent).
    """
    existing = {(t.vocabulary, t.code): t for t in session.scalars(select(VocabularyTerm))}
    inserted = 0
    positions: dict[str, int] = {}
    for row in read_seed_terms():
        vocabulary = row["vocabulary"]
        positions[vocabulary] = positions.get(vocabulary, 0) + 1
        labels = {f"label_{loc}": row[loc] for loc in ("en", "es", "fr", "pt")}
        term = existing.get((vocabulary, row["code"]))
        if term is None:
            session.add(
                VocabularyTerm(
                    vocabulary=vocabulary,
                    code=row["code"],
                    position=positions[vocabulary],
                    **labels,
                )
            )
            inserted += 1
        else:
            for key, value in labels.items():
                setattr(term, key, value)
            # New terms go before a closing "Other"/"Unknown": the file's order is the order.
            term.position = positions[vocabulary]
    session.flush()
    return inserted


def list_terms(session: Session, *, vocabulary: str) -> list[VocabularyTerm]:
    if vocabulary not in VOCABULARIES:
        raise Invalid(f"Unknown vocabulary {vocabulary!r}.")
    return list(
        session.scalars(
            select(VocabularyTerm)
            .where(VocabularyTerm.vocabulary == vocabulary)
            .order_by(VocabularyTerm.position)
        )
    )


def get_term(session: Session, *, vocabulary: str, code: str) -> VocabularyTerm:
    """The term ``code`` of ``vocabulary``; ``Invalid`` if there is none. A code holding a
    NUL character is refused before the query, since PostgreSQL cannot even compare it."""
    if "\x00" in code:
        raise Invalid(f"{code!r} is not a term of the {vocabulary} vocabulary.")
    term = session.scalar(
        select(VocabularyTerm).where(
            VocabularyTerm.vocabulary == vocabulary, VocabularyTerm.code == code
        )
    )
    if term is None:
        raise Invalid(f"{code!r} is not a term of the {vocabulary} vocabulary.")
    return term
