"""Controlled vocabularies: stable codes with labels in every supported language.

Codes never change once published (exports, imports and other organisations refer to them);
labels may be corrected freely.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base

VOCABULARIES = (
    "attack_type",
    "sector",
    "perpetrator_type",
    "defender_type",
    "response_type",
    "gender_identity",
)


class VocabularyTerm(Base):
    __tablename__ = "vocabulary_terms"
    __table_args__ = (UniqueConstraint("vocabulary", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    label_en: Mapped[str] = mapped_column(String(200))
    label_es: Mapped[str] = mapped_column(String(200))
    label_fr: Mapped[str] = mapped_column(String(200))
    label_pt: Mapped[str] = mapped_column(String(200))

    def label(self, locale: str) -> str:
        return getattr(self, f"label_{locale}", None) or self.label_en
