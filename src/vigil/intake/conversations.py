"""The reporter's conversation as the team reads it, wherever it is read (the report page or
the case the report became): which reporter messages nobody on the team has read yet, and
the read mark that clears them.

One mark per report for the whole team (``Report.staff_read_at``): the question a protection
desk asks is "has anyone seen what the reporter wrote?", not "have I?".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.intake.models import Author, Report, ReportMessage


@dataclass(frozen=True)
class ThreadEntry:
    author: str
    body: str
    created_at: datetime
    unread: bool


def is_unread(report: Report, message: ReportMessage) -> bool:
    """A reporter's message written after the team last read the conversation."""
    if message.author != Author.reporter:
        return False
    return report.staff_read_at is None or message.created_at > report.staff_read_at


def unread_count(report: Report) -> int:
    return sum(1 for m in report.messages if is_unread(report, m))


def source_reports(session: Session, *, org_id: int, incident_id: int) -> list[Report]:
    """The reports a case came from (converted into it), oldest first."""
    return list(
        session.scalars(
            select(Report)
            .where(Report.organisation_id == org_id, Report.incident_id == incident_id)
            .options(selectinload(Report.messages))
            .order_by(Report.id)
        )
    )


def read_thread(
    session: Session,
    *,
    vault: Vault,
    report: Report,
    actor_user_id: int | None,
    now: datetime,
    where: str,
) -> list[ThreadEntry]:
    """The opened thread with its unread markers, as they were before this read; the read is
    audited (``report.conversation_read``, never with the text) and then marks everything
    read. A message that could name a forgotten person reads as the placeholder."""
    entries = [
        ThreadEntry(
            m.author,
            vault.reveal(report.data_key_id, m.body_sealed) or "",
            m.created_at,
            is_unread(report, m),
        )
        for m in report.messages
    ]
    report.staff_read_at = now
    session.flush()
    record_event(
        session,
        action="report.conversation_read",
        organisation_id=report.organisation_id,
        actor_user_id=actor_user_id,
        object_type="report",
        object_id=report.id,
        detail={"where": where, "unread": sum(e.unread for e in entries)},
    )
    return entries
