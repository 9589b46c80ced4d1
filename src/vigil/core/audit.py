"""Append-only audit events chained by SHA-256, so editing, deleting or reordering an entry
breaks the chain (verification and browsing land with the data-protection issue).

Every access to a case must be recorded here: "every access to a case is audited".
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.db import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


def entry_digest(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        [
            prev_hash,
            event.occurred_at.isoformat(),
            event.organisation_id,
            event.actor_user_id,
            event.action,
            event.object_type,
            event.object_id,
            event.detail,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record_event(
    session: Session,
    *,
    action: str,
    organisation_id: int | None = None,
    actor_user_id: int | None = None,
    object_type: str | None = None,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Never put a defender's name, a message text or an IP in ``detail``."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise writers of the chain across processes/hosts: one tail at a time.
        session.execute(text("SELECT pg_advisory_xact_lock(7170001)"))
    tail = session.scalar(select(AuditEvent.entry_hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = tail or GENESIS_HASH
    event = AuditEvent(
        occurred_at=utcnow().replace(microsecond=0),
        organisation_id=organisation_id,
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
        prev_hash=prev_hash,
    )
    event.entry_hash = entry_digest(prev_hash, event)
    session.add(event)
    session.flush()
    return event
