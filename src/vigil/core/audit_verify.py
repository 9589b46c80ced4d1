"""Verifying the audit chain (``vigil audit verify``): every entry, then the anchors.

An entry breaks the chain when it is not where the chain expects it (its ``seq`` or the MAC it
links to is not that of the entry before it: something was deleted, inserted or reordered),
when it names an audit key that is not available, or when its MAC does not hold (it was
edited). Then each anchor (the head file, a checkpoint) must find the entry it names, with the
same MAC: a shorter chain means entries were deleted at the end, an empty one that the log was
emptied. Entries after the head file's entry are fine (they carry valid MACs): the head lags
when a process stopped between its commit and the head write; the report says by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import GENESIS_MAC, AuditEvent, AuditSeal, entry_mac, macs_equal, seal_of
from vigil.core.audit_head import AnchorError, Head, read_head
from vigil.core.crypto import AuditKeys


@dataclass(frozen=True)
class Anchor:
    """An outside record of the newest entry, named as the report should name it."""

    name: str
    head: Head


@dataclass(frozen=True)
class ChainReport:
    """``checked`` entries verified; ``reason`` says what broke (None when all holds) and
    ``first_broken_id`` which entry, when one entry is to blame. ``behind``: entries
    committed after the one the head file names."""

    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    behind: int = 0

    @property
    def intact(self) -> bool:
        return self.reason is None


def _entry_problem(row: Any, keys: AuditKeys, seq: int, prev_mac: str) -> str | None:
    if row.seq != seq or row.prev_mac != prev_mac:
        if seq == 1:
            return "the first entry does not start from the genesis of the chain"
        return (
            "it does not link to the entry before it (an entry was deleted, inserted or reordered)"
        )
    mac = entry_mac(keys, row)
    if mac is None:
        return f"it is signed with audit key {row.key_id!r}, which is not in the keys directory"
    if not macs_equal(mac, row.entry_mac):
        return "its content does not match its MAC (it was edited)"
    return None


def _anchor_problem(row: Any, anchors: Sequence[Anchor]) -> str | None:
    for anchor in anchors:
        if anchor.head.seq == row.seq and not macs_equal(anchor.head.mac, row.entry_mac):
            return f"it is not the entry {anchor.name} names (the log was rewritten)"
    return None


def _walk(session: Session, keys: AuditKeys, anchors: Sequence[Anchor], batch: int) -> ChainReport:
    """Entries in id order, read as plain tuples in keyset-paginated batches (``id > last``),
    so memory stays flat on a log of millions of entries."""
    table, batch = AuditEvent.__table__, max(batch, 1)
    prev_mac, last_id, checked = GENESIS_MAC, None, 0
    while True:
        query = select(*table.c).order_by(table.c.id).limit(batch)
        if last_id is not None:  # no lower bound at first: a forged id 0 or -1 is checked too
            query = query.where(table.c.id > last_id)
        rows = session.execute(query).all()
        for row in rows:
            problem = _entry_problem(row, keys, checked + 1, prev_mac) or _anchor_problem(
                row, anchors
            )
            if problem:
                return ChainReport(checked, row.id, problem)
            prev_mac, last_id, checked = row.entry_mac, row.id, checked + 1
        if len(rows) < batch:
            return ChainReport(checked)


def _missing_tail(checked: int, anchors: Sequence[Anchor]) -> str | None:
    for anchor in anchors:
        if anchor.head.seq <= checked:
            continue
        if checked == 0:
            return f"the log is empty but {anchor.name} says it held {anchor.head.seq} entries"
        return (
            f"the log ends after {checked} entries but {anchor.name} names entry "
            f"{anchor.head.entry_id} at position {anchor.head.seq} "
            "(entries were deleted from the end)"
        )
    return None


def verify_chain(
    session: Session,
    *,
    seal: AuditSeal | None = None,
    batch: int = 1000,
    checkpoints: Sequence[Anchor] = (),
) -> ChainReport:
    """Walk the whole chain, then hold it against the head file and any ``checkpoints``."""
    seal = seal or seal_of(session)
    anchors = list(checkpoints)
    head = None
    if seal.head_path is not None:
        try:
            head = read_head(seal.head_path)
        except AnchorError as error:
            return ChainReport(0, reason=f"the head file cannot be read: {error}")
        if head is not None:
            anchors.append(Anchor("the head file", head))
    report = _walk(session, seal.keys(), anchors, batch)
    if not report.intact:
        return report
    missing = _missing_tail(report.checked, anchors)
    if missing:
        return ChainReport(report.checked, reason=missing)
    if seal.head_path is not None and head is None and report.checked:
        return ChainReport(
            report.checked,
            reason=f"there is no head file ({seal.head_path}), so entries deleted from "
            "the end would go unnoticed",
        )
    return ChainReport(report.checked, behind=report.checked - head.seq if head else 0)


def tail_head(session: Session) -> Head | None:
    """The newest entry of the database as an anchor would record it."""
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.id, AuditEvent.entry_mac, AuditEvent.key_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return Head(seq=row[0], entry_id=row[1], mac=row[2], key_id=row[3]) if row else None
