"""``vigil worker``: sends queued e-mail and runs periodic jobs (retention and case
monitoring, daily).

Several workers on several hosts may run at once: e-mails are claimed row by row (SKIP LOCKED
on PostgreSQL) and a periodic job is started by whichever worker first records its start.
Every job runs in its own transaction, so a killed worker loses at most the message it was
sending (which is retried after its claim expires).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil.casework.monitoring import run_case_monitoring
from vigil.casework.referrals import raise_missed_referral_tasks
from vigil.core.config import Settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.intake.retention import RetentionPolicy, apply_retention
from vigil.notifications.mailer import send_email
from vigil.notifications.models import JobRun
from vigil.notifications.service import claim_due_emails, record_outcome

log = logging.getLogger("vigil.worker")
DAILY = timedelta(days=1)


def send_due_emails(factory: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    with session_scope(factory) as session:
        claimed = [
            (e.id, e.to_address, e.subject, e.body) for e in claim_due_emails(session, now=now)
        ]
    for email_id, to_address, subject, body in claimed:
        error = None
        try:
            send_email(settings, to_address=to_address, subject=subject, body=body)
        except Exception as failure:  # every failure is recorded and retried, never lost
            error = f"{type(failure).__name__}: {failure}"
            log.warning("e-mail %s not sent: %s", email_id, error)
        with session_scope(factory) as session:
            record_outcome(session, email_id=email_id, now=utcnow(), error=error)
    return len(claimed)


def _start_if_due(
    factory: sessionmaker[Session], name: str, every: timedelta, now: datetime
) -> bool:
    with session_scope(factory) as session:
        query = select(JobRun).where(JobRun.name == name)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        run = session.scalar(query)
        if run is None:
            if session.get(JobRun, name) is not None:  # locked by another worker right now
                return False
            run = JobRun(name=name)
            session.add(run)
        elif run.last_started_at is not None and now - run.last_started_at < every:
            return False
        run.last_started_at = now
    return True


def run_retention_if_due(factory: sessionmaker[Session], settings: Settings, now: datetime) -> bool:
    if not _start_if_due(factory, "retention", DAILY, now):
        return False
    policy = RetentionPolicy(
        rejected_report_days=settings.retention_rejected_report_days,
        closed_attachment_days=settings.retention_closed_attachment_days,
    )
    with session_scope(factory) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        result = apply_retention(session, vault=vault, policy=policy, now=now)
        session.get(JobRun, "retention").last_finished_at = utcnow()  # type: ignore[union-attr]
    log.info("retention: %s", result)
    return True


def run_case_monitoring_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    if not _start_if_due(factory, "case_monitoring", DAILY, now):
        return False
    with session_scope(factory) as session:
        raised = raise_missed_referral_tasks(session, today=now.date())
        result = run_case_monitoring(
            session,
            now=now,
            stale_after=timedelta(days=settings.stale_case_days),
            base_url=settings.base_url,
        )
        session.get(JobRun, "case_monitoring").last_finished_at = utcnow()  # type: ignore[union-attr]
    log.info("case monitoring: %s; %s missed referral deadlines", result, raised)
    return True


def run(settings: Settings, *, once: bool = False) -> None:
    engine = make_engine(settings.effective_database_url)
    factory = make_sessionmaker(engine)
    try:
        while True:
            now = utcnow()
            sent = send_due_emails(factory, settings, now)
            run_retention_if_due(factory, settings, now)
            run_case_monitoring_if_due(factory, settings, now)
            if once:
                return
            if not sent:
                time.sleep(settings.worker_poll_seconds)
    finally:
        engine.dispose()
