"""The staff side of anonymous intake: the triage queue, reading a report, answering its
reporter, moving it through triage and opening its attachments.

Every query is scoped to the caller's organisation: a report of another organisation is
reported as missing, never as forbidden (no existence oracle). Every read of a report or of
one of its files is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from vigil.access import load_in_org
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.intake.models import Author, Report, ReportAttachment, ReportMessage, ReportStatus
from vigil.intake.service import add_message
from vigil.vocabularies.models import VocabularyTerm


@dataclass(frozen=True)
class TriageTargets:
    """Time within which an open report should have been triaged (from the settings
    ``VIGIL_TRIAGE_TARGET_HOURS`` and ``VIGIL_IMMINENT_TARGET_MINUTES``)."""

    ordinary: timedelta = timedelta(hours=72)
    imminent: timedelta = timedelta(hours=1)

    def for_report(self, report: Report) -> timedelta:
        return self.imminent if report.imminent else self.ordinary


MAX_PAGE_SIZE = 100

OPEN_STATUSES: tuple[str, ...] = (ReportStatus.received, ReportStatus.triage)
#: ``status`` filter values besides the statuses themselves.
OPEN, ALL = "open", "all"

#: Where a report may go from each status. Rejected and closed are final for now.
ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    ReportStatus.received: (ReportStatus.triage,),
    # "accepted" only through casework.conversion (it creates the incident).
    ReportStatus.triage: (ReportStatus.rejected, ReportStatus.closed),
    ReportStatus.accepted: (ReportStatus.closed,),
    ReportStatus.rejected: (),
    ReportStatus.closed: (),
}


def next_statuses(status: str) -> tuple[str, ...]:
    return ALLOWED_MOVES.get(status, ())


@dataclass(frozen=True)
class QueueRow:
    report: Report
    age: timedelta
    overdue: bool


@dataclass(frozen=True)
class TriageQueue:
    items: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _status_condition(status: str | None):  # type: ignore[no-untyped-def]
    if status in (None, "", OPEN):
        return Report.status.in_(OPEN_STATUSES)
    if status == ALL:
        return None
    if status not in ReportStatus.__members__:
        raise Invalid(f"Unknown status {status!r}.")
    return Report.status == status


def list_triage_queue(
    session: Session,
    *,
    org_id: int,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
    now: datetime,
    targets: TriageTargets | None = None,
) -> TriageQueue:
    """The organisation's reports, open ones (received, triage) unless ``status`` says
    otherwise ("all" or one status): imminent first, then oldest first.

    A row is overdue while the report is open and older than its target (one hour for an
    imminent threat, 72 hours otherwise)."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
    conditions = [Report.organisation_id == org_id]
    condition = _status_condition(status)
    if condition is not None:
        conditions.append(condition)
    total = session.scalar(select(func.count()).select_from(Report).where(*conditions)) or 0
    reports = session.scalars(
        select(Report)
        .where(*conditions)
        .order_by(Report.imminent.desc(), Report.received_at.asc(), Report.id.asc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    items = []
    for report in reports:
        age = max(now - report.received_at, timedelta(0))
        overdue = report.status in OPEN_STATUSES and age > (targets or TriageTargets()).for_report(
            report
        )
        items.append(QueueRow(report=report, age=age, overdue=overdue))
    return TriageQueue(items=items, total=total, page=page, per_page=per_page)


def term_labels(
    session: Session, *, terms: Iterable[tuple[str, str | None]], locale: str
) -> dict[tuple[str, str], str]:
    """Labels of (vocabulary, code) pairs in ``locale``, in one query whatever their number."""
    wanted = {(vocabulary, code) for vocabulary, code in terms if code}
    if not wanted:
        return {}
    rows = session.scalars(
        select(VocabularyTerm).where(
            VocabularyTerm.vocabulary.in_(sorted({vocabulary for vocabulary, _ in wanted})),
            VocabularyTerm.code.in_(sorted({code for _, code in wanted})),
        )
    ).all()
    return {
        (term.vocabulary, term.code): term.label(locale)
        for term in rows
        if (term.vocabulary, term.code) in wanted
    }


def _load_report(session: Session, *, org_id: int, report_id: int) -> Report:
    return load_in_org(
        session,
        Report,
        report_id,
        org_id=org_id,
        missing="No such report.",
        options=(selectinload(Report.messages), selectinload(Report.attachments)),
    )


def get_report(
    session: Session, *, org_id: int, report_id: int, actor_user_id: int | None
) -> Report:
    """One report of the organisation, with its messages and attachments; the read is audited."""
    report = _load_report(session, org_id=org_id, report_id=report_id)
    record_event(
        session,
        action="report.viewed",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="report",
        object_id=report.id,
    )
    return report


def reply_to_reporter(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    report_id: int,
    body: str,
    actor_user_id: int | None,
) -> ReportMessage:
    """A message to the anonymous reporter, sealed with the report's key; they read it with
    their receipt. Audited as ``report.message_from_staff`` (never with the text)."""
    report = _load_report(session, org_id=org_id, report_id=report_id)
    return add_message(
        session,
        vault=vault,
        report=report,
        author=Author.staff,
        body=body,
        author_user_id=actor_user_id,
    )


def change_report_status(
    session: Session,
    *,
    org_id: int,
    report_id: int,
    status: str,
    actor_user_id: int | None,
    reason: str = "",
) -> Report:
    """Move a report along ``ALLOWED_MOVES``; any other move raises ``Conflict``. A rejection
    keeps its reason (``Invalid`` without one)."""
    if status not in ReportStatus.__members__:
        raise Invalid(f"Unknown status {status!r}.")
    report = _load_report(session, org_id=org_id, report_id=report_id)
    previous = report.status
    if status not in next_statuses(previous):
        raise Conflict(f"A report cannot move from {previous} to {status}.")
    if status == ReportStatus.rejected:
        if not reason.strip():
            raise Invalid("Say why the report is rejected.")
        report.rejection_reason = reason.strip()[:1000]
    report.status = status
    report.status_changed_at = utcnow()
    report.first_handled_at = report.first_handled_at or report.status_changed_at
    session.flush()
    record_event(
        session,
        action="report.status_changed",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="report",
        object_id=report.id,
        detail={"from": previous, "to": status},
    )
    return report


def read_attachment(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    report_id: int,
    attachment_id: int,
    actor_user_id: int | None,
) -> tuple[str, bytes]:
    """The sanitised file as stored (media type, bytes), opened with the report's data key."""
    row = session.execute(
        select(ReportAttachment, Report.data_key_id)
        .join(Report, Report.id == ReportAttachment.report_id)
        .where(
            ReportAttachment.id == attachment_id,
            ReportAttachment.report_id == report_id,
            Report.organisation_id == org_id,
        )
    ).first()
    if row is None:
        raise NotFound("No such file.")
    attachment, key_id = row
    content = vault.open_bytes(key_id, attachment.content_sealed)
    if content is None:
        raise NotFound("No such file.")
    record_event(
        session,
        action="report.attachment_read",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="report",
        object_id=report_id,
        detail={"attachment_id": attachment.id},
    )
    return attachment.media_type, content
