"""Append-only audit events chained by SHA-256, so editing, deleting or reordering an entry
breaks the chain; :func:`verify_chain` (``vigil audit verify``) finds the first broken entry.

Every access to a case must be recorded here: "every access to a case is audited".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.db import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    """One entry. Organisation and actor ids are plain integers, not foreign keys: a cascade
    (``SET NULL`` on deleting a user) would silently rewrite history and break the chain."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_id", "organisation_id", "id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class _Entry(Protocol):
    """What the digest covers: an ``AuditEvent`` or a plain row of ``audit_events``."""

    @property
    def occurred_at(self) -> datetime: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def actor_user_id(self) -> int | None: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def object_id(self) -> str | None: ...
    @property
    def detail(self) -> str: ...


def entry_digest(prev_hash: str, event: _Entry) -> str:
    """SHA-256 over the previous entry's hash and every field except the id, so an entry
    cannot be edited, nor moved to another place in the chain, without changing its hash."""
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


@dataclass(frozen=True)
class ChainReport:
    """``checked`` entries verified before ``first_broken_id`` (None when the chain holds)."""

    checked: int
    first_broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain(session: Session, *, batch: int = 1000) -> ChainReport:
    """Walk the whole chain in id order and report the first entry that breaks it.

    Rows are read as plain tuples in keyset-paginated batches (``id > last``), so memory stays
    flat and no page gets slower on a log of millions of entries. An entry breaks the chain
    when its ``prev_hash`` is not the hash of the entry before it (the first must start from
    ``GENESIS_HASH``): something was deleted, inserted or reordered; or when its content no
    longer hashes to its ``entry_hash``: it was edited. Deleting the newest entries leaves a
    valid shorter chain, which only an external copy of the tail hash can reveal.
    """
    table, batch = AuditEvent.__table__, max(batch, 1)
    expected, last_id, checked = GENESIS_HASH, None, 0
    while True:
        query = select(*table.c).order_by(table.c.id).limit(batch)
        if last_id is not None:  # no lower bound at first: a forged id 0 or -1 is checked too
            query = query.where(table.c.id > last_id)
        rows = session.execute(query).all()
        for row in rows:
            if row.prev_hash != expected:
                reason = (
                    "the first entry does not start from the genesis hash"
                    if checked == 0
                    else "it does not link to the entry before it "
                    "(an entry was deleted, inserted or reordered)"
                )
                return ChainReport(checked, row.id, reason)
            if entry_digest(row.prev_hash, row) != row.entry_hash:
                return ChainReport(
                    checked, row.id, "its content does not match its hash (it was edited)"
                )
            expected, last_id, checked = row.entry_hash, row.id, checked + 1
        if len(rows) < batch:
            return ChainReport(checked)
