"""Append-only audit events in a keyed chain, anchored outside the database.

Every access to a case must be recorded here: "every access to a case is audited".

Each entry carries its position (``seq``), the MAC of the entry before it and its own MAC:
HMAC-SHA256, under an audit key that never enters the database (``core.crypto.AuditKeys``),
over every field. Someone who can write the database but not read the keys directory can
neither edit an entry nor re-sign the chain after deleting, inserting or reordering entries.
The newest entry is also recorded outside the database after each commit (``core.audit_head``),
so deleting entries at the end, or all of them, is caught too. :func:`verify_chain`
(``vigil audit verify``) walks the chain and names the first entry that breaks it.

Which keys sign, and where the head file lives, is an :class:`AuditSeal`. Services record
events with nothing but a session, so the seal travels with the session: the web app and the
worker bind it to the sessions they make (:func:`bind_audit_sessions`); the command line,
which runs one command with one configuration, sets it for the process (:func:`configure_audit`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Index, Integer, String, Text, event, inspect, select, text
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, sessionmaker

from vigil.core.audit_head import HEAD_FILE, AnchorError, Head, write_head
from vigil.core.config import Settings
from vigil.core.crypto import AuditKeys, AuditKeyStore
from vigil.core.db import Base, utcnow
from vigil.core.errors import VigilError

GENESIS_MAC = "0" * 64
MAC_FORMAT = "vigil-audit/1"
_SEAL_INFO = "vigil.audit.seal"
_APPENDED_INFO = "vigil.audit.appended"
log = logging.getLogger(__name__)


class AuditEvent(Base):
    """One entry. Organisation and actor ids are plain integers, not foreign keys: a cascade
    (``SET NULL`` on deleting a user) would silently rewrite history and break the chain.
    ``seq`` is unique: two transactions can never both chain from the same entry."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_id", "organisation_id", "id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    key_id: Mapped[str] = mapped_column(String(16))
    prev_mac: Mapped[str] = mapped_column(String(64))
    entry_mac: Mapped[str] = mapped_column(String(64), unique=True)


class AuditKeyError(VigilError):
    """No audit key is configured for this process: nothing can be recorded."""


@dataclass(frozen=True)
class AuditSeal:
    """The keys that sign entries, and the head file that anchors the newest one (None: not
    anchored, e.g. a scratch database in a test)."""

    keys: Callable[[], AuditKeys]
    head_path: Path | None = None


def audit_seal(settings: Settings) -> AuditSeal:
    """The seal of an installation: its audit keys, and ``audit-head.json`` in its data dir."""
    master = settings.master_key.get_secret_value() if settings.master_key else None
    store = AuditKeyStore(settings.keys_dir, master)
    return AuditSeal(keys=store.current, head_path=settings.data_dir / HEAD_FILE)


_process_seal: AuditSeal | Callable[[], AuditSeal] | None = None


def configure_audit(
    seal: AuditSeal | Callable[[], AuditSeal] | None,
) -> AuditSeal | Callable[[], AuditSeal] | None:
    """Set the seal used by sessions without one of their own (a callable is resolved on the
    first entry, so commands that record nothing need no keys). Returns the previous one."""
    global _process_seal  # one configuration per process, set by its entry point
    previous, _process_seal = _process_seal, seal
    return previous


def bind_audit(session: Session, seal: AuditSeal) -> Session:
    """Make ``session`` sign with ``seal`` whatever the process is configured with."""
    session.info[_SEAL_INFO] = seal
    return session


def bind_audit_sessions(factory: sessionmaker[Session], seal: AuditSeal) -> None:
    """Make every session ``factory`` creates from now on sign with ``seal``."""
    factory.configure(info={**(factory.kw.get("info") or {}), _SEAL_INFO: seal})


def seal_of(session: Session) -> AuditSeal:
    global _process_seal  # a lazy seal is resolved once
    seal = session.info.get(_SEAL_INFO)
    if seal is not None:
        return seal
    if _process_seal is not None and not isinstance(_process_seal, AuditSeal):
        _process_seal = _process_seal()
    if _process_seal is None:
        raise AuditKeyError("The audit log is not configured: no key to sign entries with.")
    return _process_seal


class _Entry(Protocol):
    """What the MAC covers: an ``AuditEvent`` or a plain row of ``audit_events``."""

    @property
    def seq(self) -> int: ...
    @property
    def key_id(self) -> str: ...
    @property
    def prev_mac(self) -> str: ...
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


def entry_mac(keys: AuditKeys, entry: _Entry) -> str | None:
    """HMAC over every field but the id (position, signing key, the previous MAC and the
    content), so an entry can be neither edited nor moved without the key; None when the
    entry names a key that is not available."""
    message = json.dumps(
        [
            MAC_FORMAT,
            entry.seq,
            entry.key_id,
            entry.prev_mac,
            entry.occurred_at.isoformat(),
            entry.organisation_id,
            entry.actor_user_id,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.detail,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return keys.sign(entry.key_id, message.encode())


def macs_equal(left: str | None, right: str | None) -> bool:
    return left is not None and right is not None and hmac.compare_digest(left, right)


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
    seal = seal_of(session)
    keys = seal.keys()
    if session.get_bind().dialect.name == "postgresql":
        # Serialise writers of the chain across processes/hosts: one tail at a time (on
        # SQLite the database's single writer does it; the unique ``seq`` is the backstop).
        session.execute(text("SELECT pg_advisory_xact_lock(7170001)"))
    tail = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_mac).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    entry = AuditEvent(
        seq=tail.seq + 1 if tail else 1,
        key_id=keys.active_id,
        prev_mac=tail.entry_mac if tail else GENESIS_MAC,
        occurred_at=utcnow().replace(microsecond=0),
        organisation_id=organisation_id,
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
    )
    mac = entry_mac(keys, entry)
    assert mac is not None  # the active key is one of the keys
    entry.entry_mac = mac
    session.add(entry)
    session.flush()
    head = Head(seq=entry.seq, entry_id=entry.id, mac=entry.entry_mac, key_id=entry.key_id)
    session.info.setdefault(_APPENDED_INFO, []).append((entry, seal, head))
    return entry


@event.listens_for(Session, "after_commit")
def _anchor_committed_entries(session: Session) -> None:
    """Write the head file once the entries are committed. An entry added inside a savepoint
    that was rolled back is no longer in the session and is skipped. A failed write is
    logged, not raised: the data is committed, and ``verify`` reports the head as behind."""
    appended = session.info.pop(_APPENDED_INFO, [])
    for entry, seal, head in reversed(appended):
        if not inspect(entry).persistent:
            continue
        if seal.head_path is not None:
            try:
                write_head(seal.head_path, head)
            except (OSError, AnchorError):
                log.exception("The audit head file could not be written")
        return


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted_entries(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction ended; a rollback anchors nothing
        session.info.pop(_APPENDED_INFO, None)
