"""The deliveries outbox: sealed content, claims in order of urgency (disjoint between
workers on PostgreSQL), backoff with bounded jitter, permanent failures, cancellation, and
the staff page and health check that make failures visible."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from tests.factories import csrf_from, make_org, make_staff, sign_in
from tests.outbox.delivery_support import add_contact, make_world, queue
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.models import Alert, AlertEvent
from vigil.app import create_app
from vigil.core.audit import AuditEvent
from vigil.core.crypto import DataKey, Vault, keystore_for
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.organisations.models import Organisation
from vigil.outbox.health import failure_summary
from vigil.outbox.models import Delivery
from vigil.outbox.retry import RetryPolicy
from vigil.outbox.service import (
    cancel_queued,
    claim_due,
    queue_delivery,
    record_failure,
    record_sent,
    retry_failed,
)

POLICY = RetryPolicy(max_attempts=4, base=timedelta(seconds=10), cap=timedelta(seconds=60))


def _events(session, delivery_id):  # type: ignore[no-untyped-def]
    return session.scalars(
        select(AlertEvent).where(AlertEvent.delivery_id == delivery_id).order_by(AlertEvent.id)
    ).all()


def test_queueing_seals_the_content_and_records_a_queued_event(session, vault):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="ana@operator.example")
    assert delivery.state == "queued" and delivery.attempts == 0
    assert delivery.idempotency_key.startswith("vigil-") and len(delivery.idempotency_key) == 42
    assert b"defensora" not in delivery.content_sealed
    [event] = _events(session, delivery.id)
    assert (event.kind, event.detail) == ("queued", "email alert")
    other = queue(session, vault, world, address="ana@operator.example")
    assert other.idempotency_key != delivery.idempotency_key
    with pytest.raises(Invalid, match="channel"):
        queue(session, vault, world, address="x@example.org", channel="sms")
    with pytest.raises(Invalid, match="subject"):
        queue_delivery(
            session,
            vault,
            organisation_id=world.org_id,
            data_key_id=world.data_key_id,
            alert_id=world.alert.id,
            contact_id=None,
            tier=1,
            purpose="alert",
            channel="email",
            address="x@example.org",
            language="en",
            urgency=1,
            content={"text": "no subject"},
            timeline=ALERT_TIMELINE,
        )


def test_claims_go_most_urgent_first_and_are_not_taken_twice(session, vault):
    world = make_world(session, vault)
    made = [queue(session, vault, world, address=f"{u}@x.org", urgency=u) for u in (3, 1, 0, 1)]
    later = queue(session, vault, world, address="later@x.org", urgency=0)
    now = utcnow()
    later.next_attempt_at = now + timedelta(minutes=5)
    session.flush()

    first = claim_due(
        session,
        now=now,
        worker_id="w1",
        limit=3,
        claim_for=timedelta(seconds=30),
        timeline=ALERT_TIMELINE,
    )
    assert [d.address for d in first] == ["0@x.org", "1@x.org", "1@x.org"]
    assert [d.id for d in first][1:] == sorted(d.id for d in made if d.urgency == 1)
    assert all(
        d.claimed_by == "w1" and d.claimed_until == now + timedelta(seconds=30) for d in first
    )
    second = claim_due(session, now=now, worker_id="w2", limit=10, timeline=ALERT_TIMELINE)
    assert [d.address for d in second] == ["3@x.org"]  # not yet due: "later"
    assert (
        claim_due(
            session,
            now=now + timedelta(seconds=10),
            worker_id="w2",
            limit=10,
            timeline=ALERT_TIMELINE,
        )
        == []
    )
    expired = claim_due(
        session, now=now + timedelta(minutes=6), worker_id="w3", limit=10, timeline=ALERT_TIMELINE
    )
    # Every claim has expired by now; "later" is due, after the older urgent one.
    assert [d.address for d in expired] == [
        "0@x.org",
        "later@x.org",
        "1@x.org",
        "1@x.org",
        "3@x.org",
    ]


def test_backoff_doubles_with_full_jitter_and_a_cap():
    rng = random.Random(7)
    assert [POLICY.ceiling(n) for n in (1, 2, 3, 4, 5, 50)] == [
        timedelta(seconds=s) for s in (10, 20, 40, 60, 60, 60)
    ]
    for attempts in range(1, 8):
        delays = [POLICY.delay(attempts, rng) for _ in range(300)]
        assert all(timedelta(0) <= d <= POLICY.ceiling(attempts) for d in delays)
        assert max(delays) > POLICY.ceiling(attempts) * 0.9  # spread over the whole range
        assert min(delays) < POLICY.ceiling(attempts) * 0.1


def test_failures_are_retried_later_then_given_up(session, vault):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="ana@operator.example")
    now = utcnow()
    rng = random.Random(1)
    for attempt in range(1, 4):
        record_failure(
            session,
            delivery_id=delivery.id,
            now=now,
            error="450 <ana@operator.example> greylisted, see https://mx.example/why",
            permanent=False,
            policy=POLICY,
            rng=rng,
            timeline=ALERT_TIMELINE,
        )
        assert delivery.state == "queued" and delivery.attempts == attempt
        assert now <= delivery.next_attempt_at <= now + POLICY.ceiling(attempt)
    assert delivery.last_error == "450 <recipient> greylisted, see <url>"
    record_failure(
        session,
        delivery_id=delivery.id,
        now=now,
        error="again",
        permanent=False,
        policy=POLICY,
        timeline=ALERT_TIMELINE,
    )
    assert (delivery.state, delivery.failed_at, delivery.attempts) == ("failed", now, 4)
    events = _events(session, delivery.id)
    assert [e.kind for e in events] == ["queued", "retrying", "retrying", "retrying", "failed"]
    assert "gave up after 4 attempts" in events[-1].detail
    assert all("ana@" not in e.detail and "mx.example" not in e.detail for e in events)

    permanent = queue(session, vault, world, address="b@x.org")
    record_failure(
        session,
        delivery_id=permanent.id,
        now=now,
        error="550 no",
        permanent=True,
        policy=POLICY,
        timeline=ALERT_TIMELINE,
    )
    assert (permanent.state, permanent.attempts) == ("failed", 1)
    assert "permanent error: 550 no" in _events(session, permanent.id)[-1].detail


def test_the_first_delivery_dates_the_alert_once(session, vault):
    world = make_world(session, vault)
    one = queue(session, vault, world, address="a@x.org")
    two = queue(session, vault, world, address="b@x.org")
    now = utcnow()
    record_sent(session, delivery_ids=[one.id], now=now, timeline=ALERT_TIMELINE)
    record_sent(
        session, delivery_ids=[two.id], now=now + timedelta(minutes=1), timeline=ALERT_TIMELINE
    )
    session.expire_all()
    assert session.get(Alert, world.alert.id).first_delivered_at == now
    assert session.get(Delivery, two.id).state == "sent"
    assert [e.kind for e in _events(session, two.id)] == ["queued", "sent"]


def test_cancelling_stops_what_has_not_gone_out(session, vault):
    world = make_world(session, vault)
    ana = add_contact(session, world, email="ana@x.org")
    ben = add_contact(session, world, name="Ben", email="ben@x.org")
    to_ana = queue(session, vault, world, address="ana@x.org", contact=ana)
    to_ben = queue(session, vault, world, address="ben@x.org", contact=ben)
    sent = queue(session, vault, world, address="ben@x.org", contact=ben)
    record_sent(session, delivery_ids=[sent.id], now=utcnow(), timeline=ALERT_TIMELINE)
    with pytest.raises(Invalid):
        cancel_queued(session, reason="?", now=utcnow(), timeline=ALERT_TIMELINE)
    assert cancel_queued(
        session,
        contact_id=ana.id,
        reason="contact unsubscribed",
        now=utcnow(),
        timeline=ALERT_TIMELINE,
    )
    session.expire_all()
    assert session.get(Delivery, to_ana.id).state == "cancelled"
    assert session.get(Delivery, to_ben.id).state == "queued"
    assert cancel_queued(
        session,
        alert_id=world.alert.id,
        reason="alert resolved",
        now=utcnow(),
        timeline=ALERT_TIMELINE,
    )
    session.expire_all()
    assert session.get(Delivery, to_ben.id).state == "cancelled"
    assert session.get(Delivery, sent.id).state == "sent"
    details = session.scalars(
        select(AlertEvent.detail).where(
            AlertEvent.alert_id == world.alert.id, AlertEvent.kind == "cancelled"
        )
    ).all()
    assert details == [
        "1 queued deliveries cancelled: contact unsubscribed",
        "1 queued deliveries cancelled: alert resolved",
    ]


def test_a_claim_cancels_deliveries_to_unsubscribed_contacts_and_of_stopped_alerts(session, vault):
    world = make_world(session, vault)
    gone = add_contact(session, world, email="gone@x.org", opted_out_at=utcnow())
    stays = add_contact(session, world, email="stays@x.org")
    to_gone = queue(session, vault, world, address="gone@x.org", contact=gone)
    to_stays = queue(session, vault, world, address="stays@x.org", contact=stays)
    assert [
        d.id for d in claim_due(session, now=utcnow(), worker_id="w", timeline=ALERT_TIMELINE)
    ] == [to_stays.id]
    assert to_gone.state == "cancelled" and to_gone.last_error == "the contact unsubscribed"

    resolved = make_world(session, vault)
    resolved.alert.status = "resolved"
    reminder = queue(session, vault, resolved, address="a@x.org")
    notice = queue_delivery(
        session,
        vault,
        organisation_id=resolved.org_id,
        data_key_id=resolved.data_key_id,
        alert_id=resolved.alert.id,
        contact_id=None,
        tier=None,
        purpose="resolution",
        channel="email",
        address="a@x.org",
        language="en",
        urgency=1,
        content={"subject": "Resolved", "text": "The case is resolved."},
        timeline=ALERT_TIMELINE,
    )
    assert [
        d.id for d in claim_due(session, now=utcnow(), worker_id="w", timeline=ALERT_TIMELINE)
    ] == [notice.id]
    assert reminder.state == "cancelled"


def test_staff_retry_a_failed_delivery_within_their_organisation(session, vault, settings):
    world = make_world(session, vault)
    delivery = queue(session, vault, world, address="a@x.org")
    now = utcnow()
    staff = make_staff(session, session.get(Organisation, world.org_id))
    with pytest.raises(Conflict, match="Only a failed delivery"):
        retry_failed(
            session,
            org_id=world.org_id,
            delivery_id=delivery.id,
            actor_user_id=1,
            now=now,
            timeline=ALERT_TIMELINE,
        )
    record_failure(
        session,
        delivery_id=delivery.id,
        now=now,
        error="550 no",
        permanent=True,
        policy=POLICY,
        timeline=ALERT_TIMELINE,
    )
    other = make_org(session)
    with pytest.raises(NotFound):
        retry_failed(
            session,
            org_id=other.id,
            delivery_id=delivery.id,
            actor_user_id=1,
            now=now,
            timeline=ALERT_TIMELINE,
        )
    retried = retry_failed(
        session,
        org_id=world.org_id,
        delivery_id=delivery.id,
        actor_user_id=staff.user.id,
        now=now,
        timeline=ALERT_TIMELINE,
    )
    assert (retried.state, retried.attempts, retried.failed_at) == ("queued", 0, None)
    assert retried.next_attempt_at == now
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.retried")).one()
    assert audit.actor_user_id == staff.user.id and "a@x.org" not in audit.detail


def test_health_counts_failures_and_the_oldest_queued_delivery(session, vault, client):
    world = make_world(session, vault)
    analyst = make_staff(session, session.get(Organisation, world.org_id))
    session.commit()
    sign_in(client, analyst)
    assert client.get("/healthz").json()["deliveries"]["status"] == "ok"
    old = queue(session, vault, world, address="a@x.org")
    old.created_at = utcnow() - timedelta(hours=1)
    failed = queue(session, vault, world, address="b@x.org")
    record_failure(
        session,
        delivery_id=failed.id,
        now=utcnow(),
        error="x",
        permanent=True,
        policy=POLICY,
        timeline=ALERT_TIMELINE,
    )
    session.commit()
    summary = failure_summary(session, now=utcnow())
    assert summary["queued"] == 1 and summary["failed"] == 1 and summary["failed_last_24h"] == 1
    assert 3590 <= summary["oldest_queued_seconds"] <= 3700
    response = client.get("/healthz")
    assert response.status_code == 200  # the web server is fine: do not take it out of service
    body = response.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["deliveries"]["failed"] == 1 and body["deliveries"]["status"] == "degraded"


def test_health_shows_delivery_failures_only_to_staff_and_monitoring(
    session, vault, settings, session_factory
):
    """Whether alerts fail, and how many wait, tells an adversary whether silencing them
    works: anonymous visitors get the liveness answer only."""
    world = make_world(session, vault)
    auditor = make_staff(session, session.get(Organisation, world.org_id), role="auditor")
    failed = queue(session, vault, world, address="b@x.org")
    record_failure(
        session,
        delivery_id=failed.id,
        now=utcnow(),
        error="x",
        permanent=True,
        policy=POLICY,
        timeline=ALERT_TIMELINE,
    )
    session.commit()
    token = "monitoring-" + "x" * 32
    app = create_app(
        settings.model_copy(update={"health_token": SecretStr(token)}),
        session_factory=session_factory,
    )
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        anonymous = client.get("/healthz")
        assert (anonymous.status_code, anonymous.json()) == (
            200,
            {"status": "ok", "database": "ok"},
        )
        for wrong in (f"Bearer {token}x", f"Bearer {token[:-1]}", f"Basic {token}", token):
            assert client.get("/healthz", headers={"authorization": wrong}).json() == {
                "status": "ok",
                "database": "ok",
            }
        monitored = client.get("/healthz", headers={"authorization": f"Bearer {token}"}).json()
        assert monitored["status"] == "degraded" and monitored["deliveries"]["failed"] == 1
        sign_in(client, auditor)  # any role, even read-only
        staff = client.get("/healthz").json()
        assert staff["status"] == "degraded" and staff["deliveries"]["failed"] == 1


def test_the_deliveries_page_shows_failures_without_content_and_lets_writers_retry(
    session, vault, client
):
    world = make_world(session, vault)
    org = session.get(Organisation, world.org_id)
    contact = add_contact(session, world, name="Ana Recipient", email="ana@x.org")
    failed = queue(session, vault, world, address="ana@x.org", contact=contact)
    record_failure(
        session,
        delivery_id=failed.id,
        now=utcnow(),
        error="recipient refused: 550 no such user",
        permanent=True,
        policy=POLICY,
        timeline=ALERT_TIMELINE,
    )
    stranger = make_world(session, vault)
    foreign = queue(session, vault, stranger, address="zed@x.org")
    auditor = make_staff(session, org, role="auditor")
    analyst = make_staff(session, org, role="analyst")
    session.commit()

    sign_in(client, auditor)
    page = client.get("/staff/deliveries").text
    assert "Ana Recipient" in page and "recipient refused: 550 no such user" in page
    assert f'href="/staff/alerts/{world.alert.id}"' in page
    assert f'href="/staff/incidents/{world.incident_id}/case"' in page
    assert "defensora" not in page and "Alerta urgente" not in page  # never the content
    assert "zed@x.org" not in page  # another organisation's
    assert "Send again" not in page  # auditors are read-only
    token = csrf_from(page)
    refused = client.post(f"/staff/deliveries/{failed.id}/retry", data={"csrf_token": token})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": token})
    client.cookies.clear()

    sign_in(client, analyst)
    page = client.get("/staff/deliveries?state=failed").text
    assert "Send again" in page
    token = csrf_from(page)
    assert (
        client.post(f"/staff/deliveries/{foreign.id}/retry", data={"csrf_token": token})
    ).status_code == 404
    response = client.post(f"/staff/deliveries/{failed.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "The delivery is queued again." in page and "Ana Recipient" not in page
    assert "Ana Recipient" in client.get("/staff/deliveries?state=queued").text
    of_alert = client.get(f"/staff/deliveries?state=queued&alert={world.alert.id}").text
    assert "Ana Recipient" in of_alert and f'name="alert" value="{world.alert.id}"' in of_alert
    other = client.get(f"/staff/deliveries?state=queued&alert={world.alert.id + 1000}").text
    assert "Ana Recipient" not in other
    session.expire_all()
    assert session.get(Delivery, failed.id).state == "queued"


def test_two_postgresql_workers_claim_disjoint_deliveries(engine, settings):
    """SKIP LOCKED: needs committed rows and two connections, so this test commits its own
    organisation and removes it afterwards."""
    if engine.dialect.name != "postgresql":
        # SQLite has no row locks to skip: one worker is the supported setup there.
        pytest.skip("SKIP LOCKED is a PostgreSQL feature; SQLite runs a single worker")
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory.begin() as setup:
        org = make_org(setup)
        vault = Vault(session=setup, ring=keystore_for(settings).current())
        key = vault.new_key()
        for i in range(20):
            queue_delivery(
                setup,
                vault,
                organisation_id=org.id,
                data_key_id=key.id,
                alert_id=None,
                contact_id=None,
                tier=None,
                purpose="alert",
                channel="email",
                address=f"r{i}@x.org",
                language="en",
                urgency=i % 4,
                content={"subject": "s", "text": "t"},
                timeline=ALERT_TIMELINE,
            )
        org_id, key_id = org.id, key.id
    try:
        now = utcnow()
        with factory.begin() as first, factory.begin() as second:
            a = claim_due(first, now=now, worker_id="a", limit=12, timeline=ALERT_TIMELINE)
            b = claim_due(
                second, now=now, worker_id="b", limit=12, timeline=ALERT_TIMELINE
            )  # while a holds its locks
            assert len(a) == 12 and len(b) == 8
            assert not {d.id for d in a} & {d.id for d in b}
            assert [d.urgency for d in a] == sorted(d.urgency for d in a)
    finally:
        with factory.begin() as cleanup:
            cleanup.execute(delete(Delivery).where(Delivery.organisation_id == org_id))
            cleanup.execute(delete(Organisation).where(Organisation.id == org_id))
            cleanup.execute(delete(DataKey).where(DataKey.id == key_id))
