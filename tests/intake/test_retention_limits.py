"""Retention at each limit ± 1 day: a day early keeps, the exact limit keeps, a day late acts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_org
from tests.intake.test_retention import POLICY, _report
from vigil.core.db import utcnow
from vigil.intake.models import Report, ReportAttachment
from vigil.intake.retention import apply_retention


@pytest.mark.parametrize(
    ("age_days", "purged"),
    [
        (POLICY.rejected_report_days - 1, False),
        (POLICY.rejected_report_days, False),
        (POLICY.rejected_report_days + 1, True),
    ],
)
def test_rejected_reports_are_purged_only_after_the_limit(session, vault, age_days, purged):
    org = make_org(session)
    now = utcnow()
    report = _report(session, vault, org, status="rejected", age_days=0)
    report.status_changed_at = now - timedelta(days=age_days)
    session.flush()
    result = apply_retention(session, vault=vault, policy=POLICY, now=now)
    assert result.reports_purged == int(purged)
    assert (report.id in set(session.scalars(select(Report.id)))) is not purged


@pytest.mark.parametrize(
    ("age_days", "emptied"),
    [
        (POLICY.closed_attachment_days - 1, False),
        (POLICY.closed_attachment_days, False),
        (POLICY.closed_attachment_days + 1, True),
    ],
)
def test_closed_attachments_are_emptied_only_after_the_limit(session, vault, age_days, emptied):
    org = make_org(session)
    now = utcnow()
    report = _report(session, vault, org, status="closed", age_days=0)
    report.status_changed_at = now - timedelta(days=age_days)
    session.flush()
    result = apply_retention(session, vault=vault, policy=POLICY, now=now)
    assert result.attachments_emptied == int(emptied)
    attachment = session.scalars(
        select(ReportAttachment).where(ReportAttachment.report_id == report.id)
    ).one()
    assert (attachment.content_sealed is None) is emptied
