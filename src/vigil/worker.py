"""``vigil worker``: moves alerts along their escalation chains, sends the outbox (alert
deliveries and queued staff e-mail, in one pass) and runs periodic jobs (retention, case
monitoring, the publication of the public counts and, if configured, an audit checkpoint,
daily; the public register, every ``VIGIL_REGISTER_REFRESH_MINUTES``; missed referral
deadlines, which may count in hours, and those falling today,
hourly); missed safety check-ins are raised, and unacknowledged inbox items paged again,
every round.
SIGTERM or SIGINT stops it cleanly.

Several workers on several hosts may run at once: outbox rows are claimed row by row (SKIP
LOCKED on PostgreSQL) and a periodic job is started by whichever worker first records its
start (``vigil.core.jobs``).
Every job runs in its own transaction, so a killed worker loses at most the message it was
sending (which is retried after its claim expires).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.jobs import advance_alerts
from vigil.casework.monitoring import run_case_monitoring
from vigil.casework.referrals import raise_missed_referral_tasks, raise_referral_deadlines_today
from vigil.checkins.service import raise_missed_check_ins
from vigil.core.audit import audit_seal, bind_audit_sessions
from vigil.core.audit_head import write_checkpoint
from vigil.core.audit_verify import tail_head
from vigil.core.config import Settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.core.jobs import mark_finished, start_if_due
from vigil.imports.uploads.jobs import run_queued_upload
from vigil.imports.uploads.service import sweep_uploads
from vigil.inbox.jobs import page_unacknowledged
from vigil.intake.retention import RetentionPolicy, apply_retention
from vigil.outbox.claiming import default_worker_id
from vigil.outbox.sender import send_due
from vigil.public.publication import publish_snapshot
from vigil.public.register_batch import RefreshResult, refresh_register
from vigil.responses.service import send_due_reminders
from vigil.urgent_actions.service import Mailer
from vigil.urgent_actions.standing import recheck_actions

log = logging.getLogger("vigil.worker")
DAILY = timedelta(days=1)
HOURLY = timedelta(hours=1)


def run_retention_if_due(factory: sessionmaker[Session], settings: Settings, now: datetime) -> bool:
    if not start_if_due(factory, "retention", DAILY, now):
        return False
    policy = RetentionPolicy(
        rejected_report_days=settings.retention_rejected_report_days,
        closed_attachment_days=settings.retention_closed_attachment_days,
    )
    with session_scope(factory) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        result = apply_retention(session, vault=vault, policy=policy, now=now)
        mark_finished(session, "retention")
    log.info("retention: %s", result)
    return True


def run_case_monitoring_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    if not start_if_due(factory, "case_monitoring", DAILY, now):
        return False
    with session_scope(factory) as session:
        result = run_case_monitoring(
            session,
            now=now,
            stale_after=timedelta(days=settings.stale_case_days),
            base_url=settings.base_url,
        )
        mark_finished(session, "case_monitoring")
    log.info("case monitoring: %s", result)
    return True


def run_referral_deadlines_if_due(factory: sessionmaker[Session], now: datetime) -> bool:
    """Hourly: emergency referrals have deadlines in hours (casework/referrals.py)."""
    if not start_if_due(factory, "referral_deadlines", HOURLY, now):
        return False
    with session_scope(factory) as session:
        raised = raise_missed_referral_tasks(session, today=now.date(), now=now)
        mark_finished(session, "referral_deadlines")
    log.info("referral deadlines: %s missed", raised)
    return True


def run_referral_deadlines_today_if_due(factory: sessionmaker[Session], now: datetime) -> bool:
    """Hourly: a referral whose deadline falls today goes to the "needs me now" inbox."""
    if not start_if_due(factory, "referral_deadlines_today", HOURLY, now):
        return False
    with session_scope(factory) as session:
        raised = raise_referral_deadlines_today(session, today=now.date())
        mark_finished(session, "referral_deadlines_today")
    log.info("referral deadlines today: %s raised", raised)
    return True


def run_publication_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    """Daily: recompute the public counts (the public site reads only this snapshot)."""
    if not start_if_due(factory, "public_publication", DAILY, now):
        return False
    with session_scope(factory) as session:
        snapshot = publish_snapshot(
            session,
            now=now,
            min_cell=settings.public_min_cell,
            delay_days=settings.publication_delay_days,
        )
    register = _refresh_register_chunk_by_chunk(factory, settings, now)
    with session_scope(factory) as session:
        mark_finished(session, "public_publication")
    log.info("public counts published: %s incidents counted", snapshot.total)
    log.info("public register refreshed: %s", register)
    return True


def run_register_refresh_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    """Every ``VIGIL_REGISTER_REFRESH_MINUTES``: the public register follows the consents,
    so a withdrawal takes its incident off the register within minutes, not a day."""
    every = timedelta(minutes=settings.register_refresh_minutes)
    if not start_if_due(factory, "public_register", every, now):
        return False
    result = _refresh_register_chunk_by_chunk(factory, settings, now)
    with session_scope(factory) as session:
        mark_finished(session, "public_register")
    log.info("public register refreshed: %s", result)
    return True


def _refresh_register_chunk_by_chunk(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> RefreshResult:
    """The register refresh, committed after every chunk (short write transactions: on
    SQLite a long one would keep reports waiting), then the urgent actions, which follow the
    same withdrawals. A failure leaves the chunks done so far; the next refresh finishes."""
    with factory() as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        result = refresh_register(
            session, vault=vault, settings=settings, now=now, after_chunk=session.commit
        )
        mailer = Mailer(
            vault=vault, secret=settings.secret, base_url=str(settings.base_url).rstrip("/")
        )
        recheck_actions(session, mailer=mailer)
        session.commit()
    return result


def raise_missed_check_ins_now(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> int:
    """Every round, not daily: a missed safety check-in must reach the case team within
    minutes. Cheap when nothing is due (one indexed range query on ``next_due_at``)."""
    with session_scope(factory) as session:
        raised = raise_missed_check_ins(session, settings, now=now)
    if raised:
        log.warning("%s missed safety check-ins raised", raised)
    return raised


def page_unacknowledged_now(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> int:
    """Every round: inbox items nobody acknowledged in their kind's time are paged again
    (``inbox.jobs``); the pages go out in the same round's outbox pass."""
    with session_scope(factory) as session:
        paged = page_unacknowledged(session, settings, now=now)
    if paged:
        log.warning("%s unacknowledged inbox items paged again", paged)
    return paged


def advance_alerts_now(factory: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Every round: escalation steps whose wait has passed, and alerts of resolved cases
    (stopped). The deliveries they queue are sent in the same round."""
    with session_scope(factory) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        moved = advance_alerts(session, vault, settings, now=now)
    if moved:
        log.info("%s alerts moved along their escalation chains", moved)
    return moved


def run_reply_reminders_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    """Hourly: the one reminder of each right-of-reply request near its deadline."""
    if not start_if_due(factory, "reply_reminders", HOURLY, now):
        return False
    with session_scope(factory) as session:
        vault = Vault(session=session, ring=keystore_for(settings).current())
        sent = send_due_reminders(session, settings, vault, now=now)
        mark_finished(session, "reply_reminders")
    log.info("right-of-reply reminders: %s queued", sent)
    return True


def run_audit_checkpoint_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    """Daily when ``VIGIL_AUDIT_CHECKPOINT_DIR`` is set: the audit log's newest entry, signed
    with the audit key, written there (what `vigil audit checkpoint` does by hand)."""
    if settings.audit_checkpoint_dir is None:
        return False
    if not start_if_due(factory, "audit_checkpoint", DAILY, now):
        return False
    with session_scope(factory) as session:
        head = tail_head(session)
        mark_finished(session, "audit_checkpoint")
    if head is None:
        return False
    path = settings.audit_checkpoint_dir / f"audit-checkpoint-{now:%Y%m%dT%H%M%SZ}.json"
    write_checkpoint(path, head, audit_seal(settings).keys(), created_at=now)
    log.info("audit checkpoint written (%s entries)", head.seq)
    return True


def run_import_uploads_now(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    """Every round: a slice of the oldest file queued on the staff upload page (the import
    never runs inside a web request; a slice is short so alerts never wait behind it)."""
    upload_id = run_queued_upload(
        factory, ring=keystore_for(settings).current(), data_dir=settings.data_dir, now=now
    )
    if upload_id is not None:
        log.info("import of upload %s: a slice done", upload_id)
    return upload_id is not None


def sweep_import_uploads_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> bool:
    """Daily: uploaded files never imported are deleted after their retention period."""
    if not start_if_due(factory, "import_uploads_sweep", DAILY, now):
        return False
    with session_scope(factory) as session:
        expired = sweep_uploads(session, data_dir=settings.data_dir, now=now)
        mark_finished(session, "import_uploads_sweep")
    log.info("import uploads: %s expired", expired)
    return True


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM / SIGINT: finish the message in hand, record it, then exit (only the main
    thread may install handlers; elsewhere the caller sets ``stop`` itself)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def _handler(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the message in hand", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)


def run(settings: Settings, *, once: bool = False, stop: threading.Event | None = None) -> None:
    engine = make_engine(
        settings.effective_database_url,
        busy_timeout_seconds=settings.database_busy_timeout_seconds,
    )
    factory = make_sessionmaker(engine)
    bind_audit_sessions(factory, audit_seal(settings))
    stop = stop or threading.Event()
    _stop_on_signals(stop)
    worker_id = default_worker_id(settings)
    next_round = time.monotonic()
    try:
        while not stop.is_set():
            now = utcnow()
            busy = False
            # During a large fan-out the deliveries go batch after batch; the other jobs
            # still run, but once per poll interval rather than between every two batches.
            full_round = time.monotonic() >= next_round
            try:
                if full_round:
                    advance_alerts_now(factory, settings, now)
                    raise_missed_check_ins_now(factory, settings, now)  # before the outbox pass
                    page_unacknowledged_now(factory, settings, now)
                # One outbox pass: a batch of alert deliveries, then the staff e-mail due.
                claimed = send_due(
                    factory, settings, worker_id=worker_id, stop=stop, timeline=ALERT_TIMELINE
                )
                busy = claimed > 0
                if stop.is_set():
                    break
                if full_round:
                    next_round = time.monotonic() + settings.worker_poll_seconds
                    run_retention_if_due(factory, settings, now)
                    run_case_monitoring_if_due(factory, settings, now)
                    run_referral_deadlines_if_due(factory, now)
                    run_referral_deadlines_today_if_due(factory, now)
                    run_publication_if_due(factory, settings, now)
                    run_register_refresh_if_due(factory, settings, now)
                    run_audit_checkpoint_if_due(factory, settings, now)
                    run_reply_reminders_if_due(factory, settings, now)
                    sweep_import_uploads_if_due(factory, settings, now)
                    busy = run_import_uploads_now(factory, settings, now) or busy
            except Exception:  # a database or network blip must not end the worker
                if once:
                    raise
                log.exception("worker round failed; trying again after a pause")
                busy = False
            if once:
                return
            if not busy:
                stop.wait(settings.worker_poll_seconds)
    finally:
        engine.dispose()
