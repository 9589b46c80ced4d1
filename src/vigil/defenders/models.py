"""Defenders: the people, groups and communities Vigil exists to protect.

Name and contact are sealed with the defender's own data key (``core.crypto``); exact-name
lookups go through ``name_index``, a keyed blind index. Destroying the data key
(``vigil people forget``) makes both unreadable everywhere. Only ``alias`` may ever be shown
outside the organisation, and only with recorded consent (casework issue).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow
from vigil.vocabularies.models import VocabularyTerm


class DefenderKind(StrEnum):
    person = "person"
    group = "group"
    community = "community"
    organisation = "organisation"


defender_types = Table(
    "defender_types",
    Base.metadata,
    Column("defender_id", ForeignKey("defenders.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("vocabulary_terms.id"), primary_key=True),
)

#: Gender and identity (the ``gender_identity`` vocabulary), as many as apply: a question of
#: its own, apart from what the defender does (``defender_types``).
defender_identities = Table(
    "defender_identities",
    Base.metadata,
    Column("defender_id", ForeignKey("defenders.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("vocabulary_terms.id"), primary_key=True),
)


class Defender(Base):
    __tablename__ = "defenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default=DefenderKind.person)
    data_key_id: Mapped[int] = mapped_column(ForeignKey("data_keys.id"))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_index: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: When it is safe to reach them ("weekdays 18-20 local"): a routine can identify a
    #: person, so it is sealed like the contact.
    contact_times_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The languages they speak, codes separated by spaces ("es qu"): plain, they identify no
    #: one. Text, not JSON: queries select defenders DISTINCT, and PostgreSQL cannot compare JSON.
    language_codes: Mapped[str] = mapped_column(String(200), default="")
    forgotten_at: Mapped[datetime | None]
    alias: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    types: Mapped[list[VocabularyTerm]] = relationship(secondary=defender_types)

    @property
    def languages(self) -> list[str]:
        return (self.language_codes or "").split()

    identities: Mapped[list[VocabularyTerm]] = relationship(
        secondary=defender_identities, order_by=VocabularyTerm.position
    )
