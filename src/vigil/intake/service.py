"""Intake rules: filing an anonymous report, finding it again by receipt, and the two-way
conversation between reporter and analysts. Nothing here learns who the reporter is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.security import keyed_digest
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.intake.attachments import CleanFile
from vigil.intake.models import Author, Report, ReportAttachment, ReportMessage
from vigil.intake.receipts import new_receipt, receipt_digest
from vigil.intake.schemas import ReportForm

MAX_MESSAGE = 10_000


@dataclass(frozen=True)
class FiledReport:
    report: Report
    receipt: str  # shown once to the reporter, never stored


@dataclass(frozen=True)
class IssuedReceipt:
    """A new receipt with its slow hash, made before the transaction that stores the report:
    Argon2 takes time and memory, and on SQLite no one can write while that transaction is
    open."""

    code: str
    digest: str


def issue_receipt(index_key: bytes) -> IssuedReceipt:
    code = new_receipt()
    return IssuedReceipt(code=code, digest=receipt_digest(index_key, code))


def submission_digest(vault: Vault, submission_id: str) -> str:
    return keyed_digest(vault.ring.index_key, "report-submission", submission_id)


def file_report(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    form: ReportForm,
    submission_id: str,
    attachments: list[CleanFile],
    locale: str,
    receipt: IssuedReceipt | None = None,
) -> FiledReport:
    """Store a checked report with its sanitised attachments, all sealed with a new data key.
    Callers holding a transaction pass a ``receipt`` issued beforehand (see ``IssuedReceipt``).

    A second submission of the same form (same one-time id) is refused with ``Conflict``."""
    if form.errors:
        raise Invalid("The report has errors.")
    if not submission_id or len(submission_id) > 100:
        raise Invalid("The form is incomplete. Reload the page.")
    digest = submission_digest(vault, submission_id)
    if session.scalar(select(Report.id).where(Report.submission_digest == digest)):
        raise Conflict("This report was already received.")
    receipt = receipt or issue_receipt(vault.ring.index_key)
    key = vault.new_key()
    values = form.values
    report = Report(
        organisation_id=org_id,
        receipt_digest=receipt.digest,
        submission_digest=digest,
        data_key_id=key.id,
        answers_sealed=vault.seal(key.id, json.dumps(form.sensitive_answers())),
        imminent=form.imminent,
        target_kind=values.get("target_kind") or None,
        defender_type=values.get("defender_type") or None,
        attack_types=form.chosen("attack_type"),
        perpetrator_type=values.get("perpetrator_type") or None,
        occurred_on=form.occurred_on,
        date_precision=form.date_precision,
        country=values["country"],
        wish=values.get("wish") or "quiet",
        locale=locale,
    )
    for clean in attachments:
        report.attachments.append(
            ReportAttachment(
                media_type=clean.media_type,
                size=len(clean.content),
                sha256_sealed=vault.seal(key.id, clean.sha256),
                stripped=", ".join(clean.stripped)[:500],
                content_sealed=vault.seal(key.id, clean.content),
            )
        )
    session.add(report)
    session.flush()
    record_event(
        session,
        action="report.received",
        organisation_id=org_id,
        object_type="report",
        object_id=report.id,
        detail={"imminent": report.imminent, "attachments": len(attachments)},
    )
    if report.imminent:
        raise_item(
            session,
            org_id=org_id,
            kind=InboxKind.urgent_report,
            object_type="report",
            object_id=report.id,
            path=f"/staff/reports/{report.id}",
            source_key=f"urgent-report:{report.id}",
        )
    return FiledReport(report=report, receipt=receipt.code)


def find_report_by_receipt(session: Session, *, vault: Vault, receipt: str) -> Report:
    report = session.scalar(
        select(Report).where(Report.receipt_digest == receipt_digest(vault.ring.index_key, receipt))
    )
    if report is None:
        raise NotFound("No report matches this receipt.")
    return report


def add_message(
    session: Session,
    *,
    vault: Vault,
    report: Report,
    author: Author,
    body: str,
    author_user_id: int | None = None,
) -> ReportMessage:
    """Add a message to the report's conversation. A reporter may write whatever the
    report's status, closed included: a defender whose case was closed may be threatened
    again, and what they write reaches the team's "needs me now" inbox."""
    body = body.strip()
    if not body:
        raise Invalid("The message is empty.")
    if len(body) > MAX_MESSAGE:
        raise Invalid(f"Please shorten the message to {MAX_MESSAGE} characters.")
    last = report.messages[-1] if report.messages else None
    if (
        last is not None
        and last.author == author
        and vault.reveal(report.data_key_id, last.body_sealed) == body
    ):
        return last  # the same form sent again (a reload): keep one copy
    message = ReportMessage(
        author=author,
        author_user_id=author_user_id,
        body_sealed=vault.seal(report.data_key_id, body),
    )
    # Through the relationship, so ``report.messages`` (and ``conversation``) include it at
    # once, even when the collection was already loaded in this session.
    report.messages.append(message)
    session.flush()
    record_event(
        session,
        action=f"report.message_from_{author}",
        organisation_id=report.organisation_id,
        actor_user_id=author_user_id,
        object_type="report",
        object_id=report.id,
    )
    if author == Author.reporter:
        raise_item(
            session,
            org_id=report.organisation_id,
            kind=InboxKind.reporter_message,
            object_type="report",
            object_id=report.id,
            path=f"/staff/reports/{report.id}#conversation",
            source_key=f"report-message:{message.id}",
            urgent=report.imminent,
            once_while_open=True,
        )
    return message


@dataclass(frozen=True)
class ConversationEntry:
    author: str
    body: str
    created_at: datetime


def conversation(vault: Vault, report: Report) -> list[ConversationEntry]:
    """The thread; a message written before a person it could name was forgotten reads as
    the "forgotten" placeholder (its key is destroyed), later ones as written."""
    return [
        ConversationEntry(
            m.author, vault.reveal(report.data_key_id, m.body_sealed) or "", m.created_at
        )
        for m in report.messages
    ]


def attachment_digests(vault: Vault, report: Report) -> dict[int, str]:
    """The SHA-256 of each stored (cleaned) file, by attachment id. Sealed like the file: in
    clear, anyone with the original and our open cleaning code could match it."""
    return {
        a.id: vault.reveal(report.data_key_id, a.sha256_sealed) or "" for a in report.attachments
    }


def open_answers(vault: Vault, report: Report) -> dict[str, str]:
    return json.loads(vault.open(report.data_key_id, report.answers_sealed) or "{}")
