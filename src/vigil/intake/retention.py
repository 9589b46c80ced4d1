"""Retention: keep reports no longer than they are needed.

- Rejected reports are purged after ``retention_rejected_report_days``: their data key is
  destroyed first (so the content is unreadable even where a copy survives), then the rows go.
- Attachments of closed reports lose their content after ``retention_closed_attachment_days``;
  the SHA-256 of the original and what was stripped stay, for the chain of custody.

Idempotent: a second run with the same clock changes nothing. Each run is audited with counts
only (never content).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.intake.models import Report, ReportAttachment, ReportStatus


@dataclass(frozen=True)
class RetentionPolicy:
    rejected_report_days: int
    closed_attachment_days: int


@dataclass(frozen=True)
class RetentionResult:
    reports_purged: int
    attachments_emptied: int


def apply_retention(
    session: Session, *, vault: Vault, policy: RetentionPolicy, now: datetime, batch: int = 500
) -> RetentionResult:
    purged = 0
    rejected_before = now - timedelta(days=policy.rejected_report_days)
    while reports := session.scalars(
        select(Report)
        .where(Report.status == ReportStatus.rejected, Report.status_changed_at < rejected_before)
        .order_by(Report.id)
        .limit(batch)
    ).all():
        for report in reports:
            vault.destroy(report.data_key_id)
            session.delete(report)
            purged += 1
        session.flush()
    closed_before = now - timedelta(days=policy.closed_attachment_days)
    attachments = session.scalars(
        select(ReportAttachment)
        .join(Report)
        .where(
            Report.status == ReportStatus.closed,
            Report.status_changed_at < closed_before,
            ReportAttachment.content_sealed.is_not(None),
        )
    ).all()
    for attachment in attachments:
        attachment.content_sealed = None
    session.flush()
    result = RetentionResult(reports_purged=purged, attachments_emptied=len(attachments))
    record_event(session, action="retention.run", detail=vars(result))
    return result
