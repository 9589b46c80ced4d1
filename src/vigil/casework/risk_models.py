"""The persons at risk of a case — its defenders, and the family and community members who
are threatened with them or through them — and the history of each one's risk assessment.

Only an alias is kept in clear. A name, a contact and every note are sealed with the
*incident's* key, not a key of their own: a relative's name or a note about a child can
name the defender too, and forgetting a defender (``vigil.forgetting``) destroys the key of
every case they are a victim in — so these texts go with the rest of the case's texts.
A person linked to a defender record needs no name here at all: the record holds it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class PersonRelation(StrEnum):
    """How the person at risk stands to the case."""

    defender = "defender"
    family = "family"
    community = "community"
    colleague = "colleague"


class PersonAtRisk(Base):
    __tablename__ = "persons_at_risk"
    __table_args__ = (UniqueConstraint("incident_id", "defender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    #: Set when the person is a defender with a record of their own.
    defender_id: Mapped[int | None] = mapped_column(
        ForeignKey("defenders.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20))
    alias: Mapped[str] = mapped_column(String(120))
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonRiskAssessment(Base):
    """One assessment of one person: the ratings, what they suggested, and what the analyst
    chose. The case's own risk follows from these (see ``persons_at_risk``)."""

    __tablename__ = "person_risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons_at_risk.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    #: JSON object factor -> rating 0..3; a factor left out was not known.
    ratings: Mapped[str] = mapped_column(Text, default="{}")
    #: JSON object factor -> note, sealed with the incident's key.
    notes_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    suggested_level: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    reasons_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    review_on: Mapped[date] = mapped_column(index=True)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
