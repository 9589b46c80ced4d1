"""Retention purges rejected reports (crypto-shredded first) and empties old attachments of
closed reports; running it twice changes nothing more; each run is audited."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_org
from tests.intake.helpers import gps_jpeg
from vigil.core.audit import AuditEvent
from vigil.core.crypto import DataKey
from vigil.core.db import utcnow
from vigil.intake.attachments import sanitise
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.models import Report, ReportAttachment
from vigil.intake.retention import RetentionPolicy, apply_retention
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import file_report

POLICY = RetentionPolicy(rejected_report_days=90, closed_attachment_days=30)


def _report(session, vault, org, *, status: str, age_days: int) -> Report:  # type: ignore[no-untyped-def]
    form = parse_report_form(
        {"country": "PE", "narrative": "Threat.", "wish": "quiet"},
        codes=vocabulary_codes(session),
        organisations=set(receiving_organisations(session)),
    )
    photo = sanitise(gps_jpeg(), filename=None, max_bytes=10_000_000)
    report = file_report(
        session,
        vault=vault,
        org_id=org.id,
        form=form,
        submission_id=secrets.token_hex(8),
        attachments=[photo],
        locale="en",
    ).report
    report.status = status
    report.status_changed_at = utcnow() - timedelta(days=age_days)
    session.flush()
    return report


def test_retention_purges_and_empties_only_what_is_due(session, vault):
    org = make_org(session)
    old_rejected = _report(session, vault, org, status="rejected", age_days=91)
    recent_rejected = _report(session, vault, org, status="rejected", age_days=10)
    old_closed = _report(session, vault, org, status="closed", age_days=31)
    open_report = _report(session, vault, org, status="triage", age_days=400)
    shredded_key = old_rejected.data_key_id

    result = apply_retention(session, vault=vault, policy=POLICY, now=utcnow())
    assert (result.reports_purged, result.attachments_emptied) == (1, 1)
    remaining = set(session.scalars(select(Report.id)))
    assert old_rejected.id not in remaining
    assert {recent_rejected.id, old_closed.id, open_report.id} <= remaining
    assert session.get(DataKey, shredded_key).wrapped is None

    emptied = session.scalars(
        select(ReportAttachment).where(ReportAttachment.report_id == old_closed.id)
    ).one()
    assert emptied.content_sealed is None
    assert len(vault.open(old_closed.data_key_id, emptied.sha256_sealed)) == 64  # the hash stays
    kept = session.scalars(
        select(ReportAttachment).where(ReportAttachment.report_id == open_report.id)
    ).one()
    assert kept.content_sealed is not None

    again = apply_retention(session, vault=vault, policy=POLICY, now=utcnow())
    assert (again.reports_purged, again.attachments_emptied) == (0, 0)
    runs = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.run")).all()
    assert len(runs) == 2 and '"reports_purged": 1' in runs[0].detail
