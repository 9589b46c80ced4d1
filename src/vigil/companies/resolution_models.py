"""The duplicate review queue: clusters of registry records that are probably one company.

``vigil companies dedupe`` files each cluster as a :class:`DuplicateProposal` with its members
and the scored links that put them together (score and structured explanation), under the
threshold it was run with. A reviewer merges (``Company.merged_into_id`` is set on every other
member; nothing else moves, so unmerging clears it again) or answers "not the same" (the links
are remembered and never proposed again).

Also here, because candidate generation on PostgreSQL needs them: two pg_trgm indexes on
``company_names.normalized`` (the registry's own table; the indexes are declared from this
module so the registry models stay untouched). The GiST one answers matching's nearest-name
query (``ORDER BY normalized <-> typed LIMIT k``) in one index scan; the GIN one answers the
registry search's "contains" (``ILIKE``), which GIN serves faster than GiST. The migration
environment creates the extensions listed in ``metadata.info["postgresql_extensions"]`` before
migrating; on SQLite the indexes are plain (empty, partial) indexes that matching never uses.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.companies.models import Company, CompanyName
from vigil.core.db import Base, utcnow


class ProposalStatus(StrEnum):
    pending = "pending"
    merged = "merged"
    rejected = "rejected"
    #: A later run found a different cluster for the same records.
    superseded = "superseded"


class DuplicateProposal(Base):
    __tablename__ = "duplicate_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.pending, index=True)
    #: The weakest link of the cluster.
    score: Mapped[float] = mapped_column(Float)
    #: The ``--threshold`` of the run that proposed it.
    threshold: Mapped[float] = mapped_column(Float)
    #: The record the others were merged into (chosen by the reviewer).
    survivor_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    #: Plain id, like the audit log's: no cascade rewrites who decided.
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)

    members: Mapped[list[DuplicateMember]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        order_by="DuplicateMember.company_id",
    )
    links: Mapped[list[DuplicateLink]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="DuplicateLink.id"
    )
    survivor: Mapped[Company | None] = relationship()


class DuplicateMember(Base):
    __tablename__ = "duplicate_members"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("duplicate_proposals.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Set while this member is merged into the survivor by this proposal.
    merged: Mapped[bool] = mapped_column(Boolean, default=False)

    proposal: Mapped[DuplicateProposal] = relationship(back_populates="members")
    company: Mapped[Company] = relationship()


class DuplicateLink(Base):
    """One scored pair of the cluster, with the matcher's evidence as JSON."""

    __tablename__ = "duplicate_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("duplicate_proposals.id", ondelete="CASCADE"), index=True
    )
    left_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    right_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text, default="[]")

    proposal: Mapped[DuplicateProposal] = relationship(back_populates="links")
    left: Mapped[Company] = relationship(foreign_keys=[left_id])
    right: Mapped[Company] = relationship(foreign_keys=[right_id])


TRIGRAM_INDEX = "ix_company_names_normalized_trgm"
Index(
    TRIGRAM_INDEX,
    CompanyName.normalized,
    postgresql_using="gin",
    postgresql_ops={"normalized": "gin_trgm_ops"},
    sqlite_where=false(),
)
#: Nearest names by trigram distance (``<->``). A signature of 64 bytes instead of the default
#: 12: with short signatures most names collide and the scan visits far more of the index.
NEAREST_INDEX = "ix_company_names_normalized_knn"
Index(
    NEAREST_INDEX,
    CompanyName.normalized,
    postgresql_using="gist",
    postgresql_ops={"normalized": "gist_trgm_ops(siglen=64)"},
    sqlite_where=false(),
)
Base.metadata.info.setdefault("postgresql_extensions", set()).add("pg_trgm")
