"""The published snapshot: the only numbers the public site and API ever read.

A daily batch (``vigil worker``, or ``vigil public publish``) computes the aggregate counts
once and stores them here; public pages never query incidents. So verifying a case changes
nothing in public until the next batch, and then only once the publication delay has passed
(see :mod:`vigil.public.publication`). Only the latest snapshot is kept: the older ones were
public already and keeping them adds nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base


class Dimension(StrEnum):
    country = "country"  # ISO 3166-1 alpha-2
    attack_type = "attack_type"  # attack-type vocabulary code
    year = "year"  # the year the incident happened, "2026"
    sector = "sector"  # sector vocabulary code
    gender = "gender"  # gender_identity vocabulary code, of the victims


class PublicSnapshot(Base):
    __tablename__ = "public_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(index=True)
    #: Incidents verified after this moment are not in the snapshot (publication delay).
    counted_until: Mapped[datetime]
    #: The minimum cell size in force when it was computed: smaller counts are withheld.
    min_cell: Mapped[int] = mapped_column(Integer)
    #: Incidents counted: the sum of the published country cells, never a withheld one.
    total: Mapped[int] = mapped_column(Integer)

    counts: Mapped[list[PublicSnapshotCount]] = relationship(
        back_populates="snapshot",
        cascade="all, delete-orphan",
        order_by="PublicSnapshotCount.position",
    )


class PublicSnapshotCount(Base):
    """One row of a published table. ``count`` is None when it was fewer than ``min_cell``."""

    __tablename__ = "public_snapshot_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("public_snapshots.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))
    count: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)

    snapshot: Mapped[PublicSnapshot] = relationship(back_populates="counts")
