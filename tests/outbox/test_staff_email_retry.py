"""Staff e-mail follows the outbox's one retry policy and claim rule, read from the same
``VIGIL_DELIVERY_*`` settings as alert deliveries: the configured number of attempts (not
one more, not one fewer), the configured back-off, the configured claim time; no attempt
used up while e-mail is not configured; a message retrying cannot help fails at once; and
/healthz counts staff e-mail failures as it counts delivery failures."""

from __future__ import annotations

import random
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select

from tests.factories import make_org, make_staff, sign_in
from vigil.core.db import utcnow
from vigil.outbox.health import staff_email_summary
from vigil.outbox.retry import RetryPolicy
from vigil.outbox.staff_email import claim_due_emails, queue_email
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.outbox.staff_sender import send_due_staff_emails

TOLERANCE = timedelta(milliseconds=5)


class Half(random.Random):
    """A jitter source that always draws the middle: the wait is exactly half the ceiling."""

    def random(self) -> float:
        return 0.5


def _configured(settings, **update):  # type: ignore[no-untyped-def]
    values = {
        "delivery_max_attempts": 3,
        "delivery_backoff_seconds": 10.0,
        "delivery_claim_seconds": 42.0,
        "smtp_url": SecretStr("smtp://127.0.0.1:1"),  # nothing listens: connection refused
    }
    return settings.model_copy(update=values | update)


def _queue(session, address: str = "analyst@example.org") -> int:  # type: ignore[no-untyped-def]
    email = queue_email(session, to_address=address, subject="s", body="b", organisation_id=None)
    session.commit()
    return email.id


def _stored(session, email_id: int) -> OutboundEmail:  # type: ignore[no-untyped-def]
    session.expire_all()
    email = session.get(OutboundEmail, email_id)
    assert email is not None
    return email


def test_attempts_and_back_off_follow_the_delivery_settings(session, session_factory, settings):
    config = _configured(settings)
    email_id = _queue(session)
    now = utcnow()
    for attempt in (1, 2):
        assert send_due_staff_emails(session_factory, config, now=now, rng=Half()) == 1
        stored = _stored(session, email_id)
        assert (stored.attempts, stored.failed_at, stored.sent_at) == (attempt, None, None)
        assert stored.last_error and "127.0.0.1" not in stored.last_error
        # Full jitter under a ceiling of backoff·2^(attempt−1): 10 s, then 20 s; Half → half.
        wait = timedelta(seconds=10 * 2 ** (attempt - 1)) / 2
        assert abs(stored.next_attempt_at - (now + wait)) <= TOLERANCE
        assert send_due_staff_emails(session_factory, config, now=now) == 0  # not due yet
        now = stored.next_attempt_at
    assert send_due_staff_emails(session_factory, config, now=now) == 1
    stored = _stored(session, email_id)
    assert stored.attempts == 3 and stored.failed_at == now and stored.sent_at is None
    assert send_due_staff_emails(session_factory, config, now=now + timedelta(days=2)) == 0


def test_a_larger_limit_keeps_the_message_queued_longer(session, session_factory, settings):
    """The old hard-coded limit was 8 attempts: with the setting at 9, the 8th failure must
    not give up (and with the setting at 3 above, the 3rd does)."""
    config = _configured(settings, delivery_max_attempts=9)
    email_id = _queue(session)
    now = utcnow()
    for attempt in range(1, 9):
        assert send_due_staff_emails(session_factory, config, now=now) == 1
        stored = _stored(session, email_id)
        assert stored.attempts == attempt and stored.failed_at is None
        now = stored.next_attempt_at
    assert send_due_staff_emails(session_factory, config, now=now) == 1
    assert _stored(session, email_id).failed_at == now


def test_unconfigured_email_waits_without_using_up_attempts(session, session_factory, settings):
    config = _configured(settings, smtp_url=None)
    email_id = _queue(session)
    now = utcnow()
    for _round in range(config.delivery_max_attempts + 2):
        assert send_due_staff_emails(session_factory, config, now=now) == 1
        stored = _stored(session, email_id)
        assert (stored.attempts, stored.failed_at) == (0, None)
        assert abs(stored.next_attempt_at - (now + timedelta(seconds=10))) <= TOLERANCE
        assert "not configured" in (stored.last_error or "")
        now = stored.next_attempt_at


def test_an_address_retrying_cannot_fix_fails_at_once(session, session_factory, settings):
    email_id = _queue(session, address="not an address")
    now = utcnow()
    assert send_due_staff_emails(session_factory, _configured(settings), now=now) == 1
    stored = _stored(session, email_id)
    assert (stored.attempts, stored.failed_at) == (1, now)


def test_claims_last_the_configured_time_and_exclude_other_workers(session, settings):
    policy = RetryPolicy.from_settings(_configured(settings))
    assert policy.claim_for == timedelta(seconds=42)
    email_id = _queue(session)
    now = utcnow()
    [claimed] = claim_due_emails(session, now=now, worker_id="w1", claim_for=policy.claim_for)
    assert (claimed.id, claimed.claimed_by) == (email_id, "w1")
    assert claimed.claimed_until == now + timedelta(seconds=42)
    assert claim_due_emails(session, now=now, worker_id="w2", claim_for=policy.claim_for) == []
    later = now + timedelta(seconds=43)  # w1 died: its claim expired, another worker sends
    [again] = claim_due_emails(session, now=later, worker_id="w2", claim_for=policy.claim_for)
    assert again.claimed_by == "w2"


def test_health_counts_staff_email_given_up(session, session_factory, settings, client):
    org = make_org(session)
    analyst = make_staff(session, org, role="analyst")
    session.commit()
    sign_in(client, analyst)
    assert client.get("/healthz").json()["staff_email"]["status"] == "ok"
    email_id = _queue(session, address="not an address")
    send_due_staff_emails(session_factory, _configured(settings))
    summary = staff_email_summary(session, now=utcnow())
    assert (summary["failed"], summary["failed_last_24h"], summary["queued"]) == (1, 1, 0)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["staff_email"]["status"] == "degraded"
    assert session.scalars(select(OutboundEmail.id)).all() == [email_id]
