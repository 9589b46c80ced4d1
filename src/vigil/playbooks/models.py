"""Tables of playbooks, carved out of the alerts models (one concept per folder)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class Playbook(Base):
    """One version of a playbook. Editing a playbook adds a version; versions are never
    changed, so an alert can always show the exact protocol it followed."""

    __tablename__ = "playbooks"
    __table_args__ = (UniqueConstraint("organisation_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))  # e.g. "death_threat"
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: Attack-type vocabulary codes this playbook is proposed for.
    attack_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The validated document (playbooks/schema.py), as parsed from YAML.
    document: Mapped[dict] = mapped_column(JSON)
    source_yaml: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
