"""Proposed links between two incidents that are probably the same event.

A pair is stored once (``left_incident_id`` < ``right_incident_id``, unique), with its score
and the parts that explain it; the analyst's decision stays on the row, so a rejected pair is
never proposed again and a confirmed one says who merged what and when. The explanation holds
no name: only numbers, codes and "same"/"different".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, utcnow
from vigil.incidents.models import Incident


class LinkState(StrEnum):
    proposed = "proposed"
    confirmed = "confirmed"  # merged into one incident
    rejected = "rejected"  # not the same event: never proposed again


class ProposedLink(Base):
    __tablename__ = "linking_proposed_links"
    __table_args__ = (
        UniqueConstraint("left_incident_id", "right_incident_id"),
        CheckConstraint("left_incident_id < right_incident_id", name="pair_order"),
        Index("ix_linking_proposed_links_org_state", "organisation_id", "state", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    left_incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    right_incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    #: The defenders whose names matched best (one victim of each incident).
    left_victim_id: Mapped[int | None] = mapped_column(
        ForeignKey("defenders.id", ondelete="SET NULL")
    )
    right_victim_id: Mapped[int | None] = mapped_column(
        ForeignKey("defenders.id", ondelete="SET NULL")
    )
    score: Mapped[float]
    #: JSON of the parts (``scoring.Explanation``): name, days apart, region, attack type.
    explanation: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=LinkState.proposed)
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    #: On confirmation: the incident kept (the other is marked a duplicate of it).
    kept_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL")
    )

    left: Mapped[Incident] = relationship(foreign_keys=[left_incident_id])
    right: Mapped[Incident] = relationship(foreign_keys=[right_incident_id])
